#!/bin/sh
# tests/store/concurrent.sh's question at a size dynalite serves quickly:
# an add pipeline and repeated prunes on one DynamoDB table at the same
# time lose no write, and an expired entry seen again during a prune
# survives it (the conditional update sees it changed).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
need_dynalite
ddb_env
start_dynalite
SECHUB_STORE=dynamodb:blocklist
export SECHUB_STORE
plan 6
ipstore init 2>/dev/null

ips() {
	awk -v from="$1" -v to="$2" -v p="$3" 'BEGIN {
		for (i = from; i < to; i++)
			printf "{\"HostIp\":\"%s.%d.%d\"}\n", p, int(i / 256), i % 256
	}'
}
hostips() { sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p'; }

SECHUB_NOW=2025-11-01T00:00:00Z ips 0 300 203.0 | ipstore add >/dev/null
ok $? "300 old entries added"

# Writer: fresh addresses, then the old ones seen again, slowly.
{ for c in 0 1 2 3; do ips $((c * 100)) $((c * 100 + 100)) 198.51; sleep 0.2; done
  for c in 0 1 2; do ips $((c * 100)) $((c * 100 + 100)) 203.0; sleep 0.2; done; } |
    ipstore add > "$TMP/add.out" 2> "$TMP/add.err" &
writer=$!
fails=0
: > "$TMP/prune.err"
while kill -0 $writer 2>/dev/null; do
	ipstore-prune --older-than 30d --removed >> "$TMP/removed" \
	    2>> "$TMP/prune.err" || fails=$((fails + 1))
done
wait $writer
is "$?:$fails" "0:0" "the add pipeline and every prune succeed"
is "$(cat "$TMP/add.err" "$TMP/prune.err")" "" "no diagnostics from either"
is "$(wc -l < "$TMP/add.out" | tr -d ' ')" 700 "every added record written back"
ipstore list | hostips | sort > "$TMP/stored"
{ ips 0 400 198.51; ips 0 300 203.0; } | hostips | sort > "$TMP/want"
is "$(comm -13 "$TMP/stored" "$TMP/want" | head -5)" "" \
    "every address added is in the store"
is "$(ipstore-prune --older-than 30d --removed | wc -l | tr -d ' ')" 0 \
    "nothing expired is left behind"
