#!/bin/sh
# config.sh: share/examples/config, installed as /etc/sechub-tools/config,
# has every setting commented out, and every program accepts each of them
# once uncommented (no unknown key, no bad value).
. "$top_srcdir/tests/lib.sh"
tmpdir
cd "$TMP" || exit 99
EX=$top_srcdir/share/examples/config
plan 5
is "$(grep -v '^#' "$EX" | grep -v '^\[default\]$' | grep -c .)" 0 \
    "every setting is commented out"
# uncommented, with the paths moved here
sed -e 's/^#\([a-z_]* = \)/\1/' -e 's/^#\(\[profile \)/\1/' \
    -e "s|/var/lib/sechub-tools|$TMP|g" \
    -e "s|/etc/sechub-tools/allowlist.cidr|$TMP/allow.cidr|" \
    -e "s|/etc/sechub-tools/slack-webhook|$TMP/webhook|" "$EX" > config
: > allow.cidr
ok $(test "$(grep -c '^[a-z_]* = ' config)" -ge 9; echo $?) \
    "uncommented, it sets every key it shows"
export SECHUB_CONFIG=$TMP/config
sh-extract-ip -q /dev/null 2> err1
is "$?:$(cat err1)" "0:" "sh-extract-ip accepts it"
ipstore init 2> err2 && ipstore count > count 2>> err2
is "$?:$(cat count):$(cat err2)" "0:0:" "ipstore accepts it and uses its store"
ok $(test -f "$TMP/blocklist.db"; echo $?) "the store it names"
