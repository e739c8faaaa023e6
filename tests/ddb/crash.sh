#!/bin/sh
# kill -9 during an add into DynamoDB: every record the killed process had
# printed is in the table (a record is printed after its write returned),
# and the next add carries on with those known.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
need_dynalite
ddb_env
start_dynalite
SECHUB_STORE=dynamodb:blocklist
export SECHUB_STORE
plan 4
ipstore init 2>/dev/null

ips() {
	awk -v from="$1" -v to="$2" 'BEGIN {
		for (i = from; i < to; i++)
			printf "{\"HostIp\":\"198.51.%d.%d\"}\n", int(i / 256), i % 256
	}'
}
hostips() { sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p'; }

mkfifo "$TMP/feed"
: > "$TMP/out"
ipstore add < "$TMP/feed" >> "$TMP/out" 2>/dev/null &
adder=$!
{ i=0; while [ $i -lt 20000 ]; do ips $i $((i + 100)); i=$((i + 100)); sleep 0.02; done; } > "$TMP/feed" &
feeder=$!
i=0
while [ "$(wc -l < "$TMP/out")" -lt 300 ] && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 $adder
wait $adder 2>/dev/null
kill $feeder 2>/dev/null
wait $feeder 2>/dev/null
printed=$(grep -c '}$' "$TMP/out")
ok $([ "$printed" -ge 300 ] && [ "$printed" -lt 20000 ]; echo $?) \
    "killed half way ($printed records printed)"
grep '}$' "$TMP/out" | hostips | sort > "$TMP/acked"
ipstore list | hostips | sort > "$TMP/stored"
is "$(comm -23 "$TMP/acked" "$TMP/stored" | head -3)" "" \
    "every printed record is in the table"
# a PutItem the killed process had sent may still land: read the table
# again, after a moment, and add exactly what it holds then
sleep 0.5
ipstore list > "$TMP/list2"
ipstore add < "$TMP/list2" > "$TMP/again"
is "$?" 0 "the next add carries on"
is "$(grep -c '"NewIP":true' "$TMP/again"):$(wc -l < "$TMP/again" | tr -d ' ')" \
    "0:$(wc -l < "$TMP/list2" | tr -d ' ')" \
    "knowing every address the table holds"
