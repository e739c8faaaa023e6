#!/bin/sh
# The DynamoDB store on items written in the original automation's shapes
# and by hand (put with the stand-in's own API): an item with only its
# Timestamp, a CreatedAt that is a string or absent or unreadable (a
# warning, once, and never a reason to expire), mirror printing each
# entry as the destination now holds it, and a record too big for an
# item once the store's own attributes are added.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
need_dynalite
[ -x /usr/bin/aws ] || skip_all "awscli not installed (Debian package awscli)"
ddb_env
start_dynalite
SECHUB_STORE=dynamodb:blocklist
SECHUB_NOW=2026-01-10T00:00:00Z
export SECHUB_STORE SECHUB_NOW
plan 19

ipstore init 2>/dev/null || { echo "Bail out! ipstore init failed"; exit 1; }
# hosts ITEMS...: the HostIp values in ipstore's output, in order
hosts() { sed -n 's/^{"HostIp":"\([^"]*\)".*/\1/p' | tr '\n' ' '; }
# one BatchWriteItem: old is before 2025-12-11 (720 h before now)
item() { printf '{"PutRequest":{"Item":{"HostIp":{"S":"%s"},%s}}}' "$1" "$2"; }
ddb_cli batch-write-item --request-items "{\"blocklist\":[
$(item 192.0.2.1 '"Timestamp":{"S":"2025-11-01T08:00:00.000Z"},"FindingId":{"S":"ts-old"}'),
$(item 192.0.2.2 '"Timestamp":{"S":"2026-01-08T00:00:00Z"},"FindingId":{"S":"ts-new"}'),
$(item 192.0.2.3 '"CreatedAt":{"S":"2025-12-01T10:00:00Z"}'),
$(item 192.0.2.4 '"CreatedAt":{"S":"2021-11-20 10:00:00"}'),
$(item 192.0.2.5 '"CreatedAt":{"S":"2025-12-24 10:00:00"}'),
$(item 192.0.2.6 '"CreatedAt":{"S":"yesterday"}'),
$(item 192.0.2.7 '"FindingId":{"S":"no-time"}'),
$(item 192.0.2.8 '"CreatedAt":{"S":"1700000000"},"Timestamp":{"S":"2023-11-14T22:13:20Z"}'),
$(item 192.0.2.9 '"CreatedAt":{"N":"1767571200"},"FindingId":{"S":"f-dest"}')
]}" >/dev/null || { echo "Bail out! batch-write-item failed"; exit 1; }

# --- one rule for every reader ---------------------------------------------------
ipstore list > "$TMP/list" 2> "$TMP/err"
is "$(grep -c . "$TMP/list")" 9 "list shows every item"
is "$(sed -n 's/.*"HostIp":"\(192.0.2.[1-5]\)","CreatedAt":"\([^"]*\)".*/\1 \2/p' "$TMP/list" | tr '\n' ' ')" \
    "192.0.2.1 2025-11-01T08:00:00Z 192.0.2.2 2026-01-08T00:00:00Z 192.0.2.3 2025-12-01T10:00:00Z 192.0.2.4 2021-11-20T10:00:00Z 192.0.2.5 2025-12-24T10:00:00Z " \
    "a Timestamp alone, and CreatedAt strings with and without T and zone, are read as the times they say (UTC)"
grep '"192.0.2.8"' "$TMP/list" | grep -q '"CreatedAt":"2023-11-14T22:13:20Z"'
ok $? "a CreatedAt string of epoch seconds is read as one"
is "$(grep -E '"192.0.2.[67]"' "$TMP/list" | grep -c 'CreatedAt\|LastSeenAt\|1970')" 0 \
    "an item with no readable time is shown without one, never as 1970"
is "$(sort "$TMP/err")" 'ipstore: dynamodb:blocklist: 192.0.2.6: CreatedAt "yesterday" is not a time, and no Timestamp: its age is unknown: kept, never old enough to expire
ipstore: dynamodb:blocklist: 192.0.2.7: no CreatedAt, and no Timestamp: its age is unknown: kept, never old enough to expire' \
    "each is a warning, with its key"

old="192.0.2.1 192.0.2.3 192.0.2.4 192.0.2.8 "
is "$(ipstore list --older-than 720h 2>/dev/null | hosts)" "$old" \
    "list --older-than finds the old ones by the same rule (the server-side filter misses none)"
ipstore-prune -n --removed > "$TMP/dry" 2> "$TMP/err"
is "$(hosts < "$TMP/dry")" "$old" "the dry-run prune would unblock those"
is "$(grep -c '192.0.2.6' "$TMP/err")" 1 "and warns about an unreadable time once"

# --- mirror, before the prune: what the destination holds ------------------------
printf '%s\n' '{"HostIp":"192.0.2.9","FindingId":"f-src"}' '{"HostIp":"192.0.2.2","FindingId":"laptop"}' |
    SECHUB_NOW=2026-01-09T00:00:00Z ipstore -s "sqlite:$TMP/laptop.db" add >/dev/null
ipstore mirror --from "sqlite:$TMP/laptop.db" --to dynamodb:blocklist > "$TMP/m1" 2>/dev/null
is "$(sed -n 's/.*"HostIp":"\([^"]*\)".*"FindingId":"\([^"]*\)".*/\1 \2/p' "$TMP/m1" | tr '\n' ' ')" \
    "192.0.2.2 ts-new 192.0.2.9 f-dest " \
    "mirror into DynamoDB prints each entry as the destination holds it, not the source's fields"
grep '"192.0.2.2"' "$TMP/m1" | grep -q '"CreatedAt":"2026-01-08T00:00:00Z","LastSeenAt":"2026-01-09T00:00:00Z"'
ok $? "with the merged times"
ipstore mirror --from dynamodb:blocklist --to "sqlite:$TMP/laptop.db" > "$TMP/m2" 2> "$TMP/err"
is "$(grep '"192.0.2.9"' "$TMP/m2" | sed -n 's/.*"FindingId":"\([^"]*\)".*/\1/p')" "f-src" \
    "and into SQLite as SQLite holds it"
is "$(grep -E '"192.0.2.[67]"' "$TMP/m2" | grep -c 'CreatedAt\|1970')" 0 \
    "an entry without a readable time is mirrored without inventing one"
is "$(SECHUB_NOW=2026-01-10T00:00:00Z ipstore-prune --removed -s "sqlite:$TMP/laptop.db" 2>/dev/null | hosts)" "$old" \
    "the SQLite copy prunes the same entries: none without a time, none of 17 days"

# --- the real prune ------------------------------------------------------------
ipstore-prune --removed > "$TMP/pruned" 2> "$TMP/err"
is "$?:$(hosts < "$TMP/pruned")" "0:$old" "ipstore-prune unblocks exactly those"
is "$(ipstore list 2>/dev/null | hosts)" "192.0.2.2 192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.9 " \
    "and the others are still blocked, the unreadable ones among them"

# --- a record too big once the store's own attributes are there ------------------
# (skipped under valgrind: 400 KB records; tests/store/exact.sh has the rest)
if [ -n "${SECHUB_VALGRIND:-}" ]; then
	for i in 1 2 3 4; do echo "ok # SKIP under valgrind"; done
	exit 0
fi
# an item of 409,600 bytes less about 200: it fits as added, not once
# unblocked with a long reason
python3 - "$TMP/big.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('{"HostIp":"198.51.100.1","Pad":"%s"}\n' % ("x" * (409600 - 250)))
    f.write('{"HostIp":"198.51.100.2"}\n')
PY
ipstore add --max-line 1M "$TMP/big.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?" 1 "a record too big for an item with the store's attributes: status 1"
case $(cat "$TMP/err") in
"ipstore: $TMP/big.jsonl:1: too big for DynamoDB: "*) r=0 ;;
*) r=1; head -c 300 "$TMP/err" | sed 's/^/# /' ;;
esac
ok $r "rejected with its file:line"
is "$(hosts < "$TMP/out")" "198.51.100.2 " "the later record is stored"
ipstore rm --reason "$(printf '%0256d' 0)" 198.51.100.1 198.51.100.2 > /dev/null 2> "$TMP/err"
is "$?:$(cat "$TMP/err")" "0:ipstore: 198.51.100.1: not in the store" \
    "an entry stored can be unblocked with the longest reason (the other was never stored)"
