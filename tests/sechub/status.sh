#!/bin/sh
# status.sh: sechub status reports each kind of drift between the store and
# a target (exit 1), sechub reconcile repairs each (exit 0 after), and a
# target that cannot be read is exit 3; table and JSON lines.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
plan 16

st() { sechub status --format json 2>/dev/null | jq -c "select(.Target) | $1"; }

sechub status >"$TMP/out" 2>&1
is "$?" 0 "an empty store and group are in sync: exit 0"
is "$(head -2 "$TMP/out" | tr -s ' ')" "TARGET BLOCKED CAPACITY STATE
blocklist 0 3/100 in sync" "the table says so"

sechub block 203.0.113.1 203.0.113.2 >/dev/null 2>&1
sechub status >/dev/null 2>&1
is "$?" 0 "after sechub block: in sync"
is "$(st .Blocked)" 2 "status counts what the group blocks"

# drift 1: in the store, not blocked
echo '{"HostIp":"198.51.100.7"}' | ipstore add >/dev/null
# drift 2: blocked, not in the store
echo '{"HostIp":"198.51.100.99"}' | nfw-sync -g blocklist >/dev/null 2>&1
sechub status >"$TMP/out" 2>&1
is "$?" 1 "drift: exit 1"
is "$(st '[.NotBlocked, .NotInStore, .InSync]')" \
    '[["198.51.100.7/32"],["198.51.100.99/32"],false]' \
    "status names what is not blocked and what is not in the store"
is "$(grep -c 'DRIFT' "$TMP/out")" 1 "the table marks the target"
is "$(grep 'not blocked\|not in the store' "$TMP/out")" \
    "blocklist: in the store, not blocked: 198.51.100.7/32
blocklist: blocked, not in the store: 198.51.100.99/32" "and lists the addresses"

# drift 3: blocked, but the allowlist now covers it
sed 's|^allow = .*|&, 203.0.113.2|' "$TMP/config" > "$TMP/config.new" && mv "$TMP/config.new" "$TMP/config"
sechub status >/dev/null 2>&1
is "$?" 1 "an allowlisted address still blocked is drift"

sechub reconcile >"$TMP/rec" 2>"$TMP/err"
is "$?" 0 "reconcile: exit 0"
is "$(jq -r '[.Target, .Changed] | @tsv' "$TMP/rec")" "$(printf 'blocklist\ttrue')" \
    "reconcile prints one result per target"
sechub status >/dev/null 2>&1
is "$?" 0 "after reconcile: in sync"
is "$(group_blocks)" "198.51.100.7/32 203.0.113.1/32" \
    "reconcile blocked the store's entry, dropped the stranger and the allowlisted one"
is "$(store_ips):$(pending_ips)" "198.51.100.7 203.0.113.1:" \
    "the allowlisted entry left the store once unblocked"

# a target that cannot be read
AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:1 AWS_MAX_ATTEMPTS=1 \
    sechub status >"$TMP/out" 2>/dev/null
is "$?" 3 "a target that does not answer: exit 3"
is "$(grep -c 'failed:' "$TMP/out")" 1 "the table says which failed"
