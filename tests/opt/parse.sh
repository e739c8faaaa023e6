#!/bin/sh
# parse.sh: the option parser every program shares: GNU-style forms
# (bundled short options, --name=value, -sVALUE, options after operands,
# "--", "-" as stdin) and its errors, one line each, status 2.
. "$top_srcdir/tests/lib.sh"
tmpdir
cd "$TMP" || exit 99
plan 10

ipstore --store=sqlite:a.db init && test -f a.db
ok $? "--name=value"
ipstore -ssqlite:b.db init && test -f b.db
ok $? "-sVALUE"
ipstore init -s sqlite:c.db && test -f c.db
ok $? "options after the subcommand"
printf '{"HostIp":"198.51.100.1"}\n' >in.jsonl
out=$(ipstore -s sqlite:a.db add in.jsonl --ttl 1d | jq -r .HostIp)
is "$out" "198.51.100.1" "options after operands"
out=$(printf '{"HostIp":"198.51.100.2"}\n' |
    ipstore -s sqlite:a.db add -- - | jq -r .HostIp)
is "$out" "198.51.100.2" "-- ends the options; - is stdin"
out=$(printf '{"HostIp":"198.51.100.1"}\n' |
    SECHUB_NOW=2099-01-01T00:00:00Z ipstore-prune -nqs sqlite:a.db --removed | jq -r .HostIp |
    sort | tr '\n' ' ')
is "$out" "198.51.100.1 198.51.100.2 " "bundled short options, the last taking an argument"
out=$(ipstore --ttl=1d count 2>&1; echo "status $?")
is "$out" "ipstore: --ttl: only for add
status 2" "an option of another subcommand"
out=$(ipstore-prune --removed=yes 2>&1 | head -1)
is "$out" "ipstore-prune: --removed: takes no argument" "a flag with an argument"
out=$(ipstore-prune -s 2>&1 | head -1)
is "$out" "ipstore-prune: -s: missing argument" "a short option without its argument"
out=$(sh-extract-ip -x 2>&1 | head -1; sh-extract-ip --help | head -1)
is "$out" "sh-extract-ip: -x: unknown option
usage: sh-extract-ip [-hqV] [--allow-private] [--allowlist file]" "an unknown short option; --help on stdout"
