#!/bin/sh
# conf.sh: one configuration file for every program: where it is found,
# the precedence command line > environment > file > default, profiles,
# and errors that name file:line (exit 2); long options in full only.
. "$top_srcdir/tests/lib.sh"
tmpdir
cd "$TMP" || exit 99
plan 24
describe="$top_srcdir/share/examples/demo/blocklist-describe.json"

cat >conf <<'EOF2'
# a comment
[default]
store = sqlite:file.db
retention = 30d

[profile other]
store = sqlite:other.db
EOF2
export SECHUB_CONFIG="$TMP/conf"

ipstore init && test -f file.db
ok $? "store from the file's [default] profile"
ipstore --config-profile other init && test -f other.db
ok $? "--config-profile picks [profile other]"
SECHUB_PROFILE=other ipstore count >/dev/null && ! test -f default.db
ok $? "SECHUB_PROFILE picks a profile too"
SECHUB_STORE=sqlite:env.db ipstore init && test -f env.db
ok $? "the environment wins over the file"
SECHUB_STORE=sqlite:env2.db ipstore -s sqlite:flag.db init &&
    test -f flag.db && ! test -f env2.db
ok $? "the command line wins over the environment"

out=$(ipstore --config-profile nosuch count 2>&1; echo "status $?")
is "$out" "ipstore: $TMP/conf: no [profile nosuch] section
status 2" "a profile that is not there is a configuration error"

# retention = 30d is ipstore-prune's --older-than
printf '{"HostIp":"198.51.100.1"}\n' |
    SECHUB_NOW=2026-01-01T00:00:00Z ipstore add >/dev/null
out=$(SECHUB_NOW=2026-01-20T00:00:00Z ipstore-prune --dry-run --removed)
is "$out" "" "retention 30d from the file: an entry 19 days old stays"
out=$(SECHUB_NOW=2026-01-20T00:00:00Z SECHUB_RETENTION=10d \
    ipstore-prune --dry-run --removed | jq -r .HostIp)
is "$out" "198.51.100.1" "SECHUB_RETENTION wins over the file"
out=$(SECHUB_NOW=2026-01-20T00:00:00Z SECHUB_RETENTION=10d \
    ipstore-prune --dry-run --removed --older-than 720h)
is "$out" "" "--older-than wins over SECHUB_RETENTION"

# the file can name its own errors
printf '[default]\nretention = 30x\n' >bad1
out=$(SECHUB_CONFIG=bad1 ipstore-prune -n 2>&1; echo "status $?")
is "$out" 'ipstore-prune: bad1:2: retention: invalid duration: "30x" (use e.g. 720h, 30d, 90m, 3600s, 1d12h)
status 2' "a bad value: file:line and exit 2"
printf '[default]\nstore = sqlite:x.db\nretenton = 30d\n' >bad2
out=$(SECHUB_CONFIG=bad2 nfw-sync -g x --describe-file "$describe" \
    </dev/null 2>&1; echo "status $?")
is "$out" "nfw-sync: bad2:3: retenton: unknown key
status 2" "an unknown key is an error for every program that reads the file"
printf '[default]\nstore = a\nstore = b\n' >bad3
out=$(SECHUB_CONFIG=bad3 ipstore count 2>&1; echo "status $?")
is "$out" "ipstore: bad3:3: store: set twice in [default]
status 2" "a key set twice"
printf 'store = a\n' >bad4
out=$(SECHUB_CONFIG=bad4 ipstore count 2>&1; echo "status $?")
is "$out" "ipstore: bad4:1: a key before the first [section]
status 2" "a key outside a section"
printf '[profiles x]\n' >bad5
out=$(SECHUB_CONFIG=bad5 ipstore count 2>&1; echo "status $?")
is "$out" "ipstore: bad5:1: expected [default], [profile NAME] or [target NAME]
status 2" "an unknown kind of section"
printf '[default]\nrule_group = my blocklist\n' >bad6
out=$(SECHUB_CONFIG=bad6 nfw-sync --describe-file "$describe" </dev/null \
    2>&1; echo "status $?")
is "$out" "nfw-sync: bad6:2: rule_group my blocklist: a name is 1 to 128 letters, digits and hyphens, or give the ARN
status 2" "a value a program refuses is named by file:line too"
out=$(SECHUB_CONFIG=nosuch ipstore count 2>&1; echo "status $?")
is "$out" "ipstore: nosuch: No such file or directory
status 2" "a file named by SECHUB_CONFIG must exist"

# rule_group and allow from the file
printf '[default]\nrule_group = blocklist\nallow = 198.51.100.0/28, 192.0.2.9\n' >nfw
out=$(printf '{"HostIp":"198.51.100.7"}\n{"HostIp":"203.0.113.5"}\n' |
    SECHUB_CONFIG=nfw nfw-sync --describe-file "$describe" 2>err |
    jq -r '.AddedBlocks[]'; cat err)
is "$out" "203.0.113.5/32
nfw-sync: <stdin>:1: 198.51.100.7: refused: allowlisted: 198.51.100.0/28" "rule_group and the inline allowlist come from the file"

# secrets in the file: mode 600 or refused
printf '[default]\nwebhook_url = https://hooks.slack.com/services/T0/B0/fake\n' >hook
chmod 644 hook
out=$(SECHUB_CONFIG=hook slack-notify -n </dev/null 2>&1; echo "status $?")
is "$out" "slack-notify: hook: holds a secret but is readable or writable by others (mode 0644); chmod 600 it
status 2" "a webhook in a world-readable file is refused"
printf '[default]\nwebhook_url = http://hooks.slack.com/services/T0/B0/fake\n' >hook
chmod 600 hook
out=$(SECHUB_CONFIG=hook slack-notify -n </dev/null 2>&1 | grep -c fake)
is "$out" "0" "the webhook of the file is never printed"
SECHUB_CONFIG=hook slack-notify -n </dev/null 2>/dev/null
is "$?" "2" "the webhook of the file is read and checked (http refused)"

# where the file is found without SECHUB_CONFIG
mkdir -p xdg/sechub-tools
printf '[default]\nstore = sqlite:xdg.db\n' >xdg/sechub-tools/config
(unset SECHUB_CONFIG; XDG_CONFIG_HOME=$TMP/xdg ipstore init) && test -f xdg.db
ok $? "\$XDG_CONFIG_HOME/sechub-tools/config is read"
mkdir -p home/.config/sechub-tools
printf '[default]\nstore = sqlite:home.db\n' >home/.config/sechub-tools/config
(unset SECHUB_CONFIG XDG_CONFIG_HOME; HOME=$TMP/home ipstore init) &&
    test -f home.db
ok $? "~/.config/sechub-tools/config is read"

# long options are spelled in full
out=$(nfw-sync --rep -g x </dev/null 2>&1 | head -1)
is "$out" "nfw-sync: --rep: unknown option (long options are spelled in full: --replace?)" \
    "an abbreviated long option is refused, naming the real ones"
out=$(ipstore --sto x count 2>&1 | head -1; ipstore count --dry 2>&1 | head -1)
is "$out" "ipstore: --sto: unknown option (long options are spelled in full: --store?)
ipstore: --dry: unknown option" "no prefix matching in any program"
