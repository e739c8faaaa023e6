#!/bin/sh
# exact.sh: ipstore add stores what it prints, byte for byte, or rejects
# the record (with its file:line) and stores nothing of it: values holding
# a NUL character, a record too big for the backend (SQLite: 16 MiB;
# DynamoDB: an item of 400 KB), one just small enough.
. "$top_srcdir/tests/store/common.sh"
plan 10
reset_store
export SECHUB_NOW=2026-01-05T00:00:00Z

# fields FILE...: the records without the store's own fields, sorted
# keys, one per line: what must come back from the store as it went in
fields() {
	python3 -c 'import json, sys
for f in sys.argv[1:]:
    for l in open(f, encoding="utf-8"):
        r = json.loads(l)
        for k in ("NewIP", "CreatedAt", "LastSeenAt", "ExpiresAt"):
            r.pop(k, None)
        print(json.dumps(r, sort_keys=True))' "$@"
}

# --- NUL characters -----------------------------------------------------------
cat > "$TMP/nul.jsonl" <<'EOF'
{"HostIp":"192.0.2.1","FindingId":"arn:f\u0000x","Severity":"HIGH\u0000","Region":"us-east-1","Note":"a\u0000b"}
EOF
ipstore add "$TMP/nul.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "a record with NUL characters is added"
ipstore get 192.0.2.1 > "$TMP/got"
is "$(fields "$TMP/got")" "$(fields "$TMP/nul.jsonl")" \
    "get gives back every value whole, NULs and all"
is "$(fields "$TMP/out")" "$(fields "$TMP/nul.jsonl")" \
    "and add printed exactly that"

# --- too big ----------------------------------------------------------------------
# (SQLite's limit is 16 MiB: too much for memcheck; the ASan pass runs it)
if [ -n "${SECHUB_VALGRIND:-}" ] && need_sqlite; then
	skip 7 "a 16 MiB record under valgrind"
	exit 0
fi
# big: past the backend's limit; fits: well within both
if need_sqlite; then big=$((16 * 1048576 + 1000)); else big=$((400 * 1024 + 1000)); fi
fits=$((300 * 1024))
python3 - "$TMP/big.jsonl" "$big" "$fits" <<'PY'
import sys
out, big, fits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(out, "w") as f:
    f.write('{"HostIp":"192.0.2.10"}\n')
    f.write('{"HostIp":"192.0.2.11","Pad":"%s"}\n' % ("x" * big))
    f.write('{"HostIp":"192.0.2.12","Pad":"%s"}\n' % ("y" * fits))
PY
# (--max-line past the record, so that the store's own limit is what holds)
ipstore add --max-line 64M "$TMP/big.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?" 1 "a record too big for the store: status 1"
case $(cat "$TMP/err") in
"ipstore: $TMP/big.jsonl:2: too big for "*) r=0 ;;
*) r=1; head -c 300 "$TMP/err" | sed 's/^/# /' ;;
esac
ok $r "rejected with its file:line and why ($(head -c 120 "$TMP/err"))"
is "$(field HostIp < "$TMP/out" | tr '\n' ' ')" "192.0.2.10 192.0.2.12 " \
    "the others are added and printed"
st=0
ipstore get 192.0.2.11 > /dev/null 2>&1 || st=$?
is "$st" 1 "nothing of the rejected record is in the store"
ipstore get 192.0.2.12 > "$TMP/got"
is "$(fields "$TMP/got" | wc -c | tr -d ' ')" \
    "$(sed -n 3p "$TMP/big.jsonl" > "$TMP/third"; fields "$TMP/third" | wc -c | tr -d ' ')" \
    "the big record that fits comes back whole ($fits bytes of padding)"
is "$(fields "$TMP/got" | md5sum)" "$(fields "$TMP/third" | md5sum)" \
    "byte for byte"
# the same through --rejects: the rejected line, as it came
ipstore add --max-line 64M --rejects "$TMP/rej" "$TMP/big.jsonl" > /dev/null 2>&1
is "$(md5sum < "$TMP/rej")" "$(sed -n 2p "$TMP/big.jsonl" | md5sum)" \
    "--rejects keeps the rejected record byte for byte"
