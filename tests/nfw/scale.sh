#!/bin/sh
# scale.sh: memory follows the blocks, not the input. Planning a --replace
# of 300,000 addresses takes at most 64 bytes an address more than planning
# one, with --summary and with the per-record output alike; the records are
# kept in an unlinked 0600 file under TMPDIR, not in memory, and come out
# as they went in (pretty-printed ones compact), in order.
. "$top_srcdir/tests/nfw/fake.sh"
plan 15
N=200000
measure=1
if [ -n "${SECHUB_VALGRIND:-}" ] || [ -n "${SECHUB_SANITIZERS:-}" ]; then
	N=3000		# the RSS of a checked run says nothing about ours
	measure=0
fi
[ -x /usr/bin/time ] || measure=0

# N scattered public addresses: 11.0.0.0 on, every other one (no two merge)
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) { a = 184549376 + 2 * i
	printf "{\"HostIp\":\"%d.%d.%d.%d\",\"FindingId\":\"f-%d\"}\n",
	    int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256, i } }' \
    > many.jsonl

# rss CMD...: the command's maximum resident set, in bytes
rss() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$TMP/rss" "$@" > "$TMP/rss.out" 2> /dev/null
		echo $(( $(tail -1 "$TMP/rss") * 1024 ))
	else
		"$@" > "$TMP/rss.out" 2> /dev/null
		echo 0
	fi
}
per_address() {
	# per_address WHAT BIG SMALL
	if [ "$measure" = 0 ]; then
		echo "ok $((_tap_n + 1)) - # SKIP $1: not measured here"
		_tap_n=$((_tap_n + 1))
		return
	fi
	b=$(( ($2 - $3) / N ))
	[ "$b" -le 64 ]
	ok "$?" "$1: $b bytes an address (at most 64)"
}

start_fake
echo '{"HostIp":"203.0.113.200"}' > one.jsonl

# --summary: nothing but the set is kept
c="nfw-sync --rule-group blocklist --replace --summary"
small=$(rss $c one.jsonl)
big=$(rss $c many.jsonl)
per_address "--summary, $N addresses" "$big" "$small"
is "$(jq -c '[.Blocks, .CapacityUsed, .Changed]' "$TMP/rss.out")" \
    "[$N,$((2 * N + 3)),false]" "--summary: planned, and found too big for the group"

# the dry run's plan (every block listed) is written as it is made
c="nfw-sync --rule-group blocklist --replace -n --describe-file $FIXTURES/nfw/group.json"
small=$(rss $c one.jsonl)
big=$(rss $c many.jsonl)
per_address "--dry-run, $N addresses" "$big" "$small"
is "$(jq '.AddedBlocks | length' "$TMP/rss.out")" "$N" \
    "--dry-run: every added block is in the plan"

# the per-record output: the records wait on disk
c="nfw-sync --rule-group blocklist --replace"
small=$(rss $c one.jsonl)
n=$(calls UpdateRuleGroup)
big=$(rss $c many.jsonl)
per_address "records, $N addresses" "$big" "$small"
mv "$TMP/rss.out" out
is "$(wc -l < out | tr -d ' ')" "$N" "records: every record comes out"
is "$(grep -vc '"Blocked":false,"Reason":"blocklist: capacity exceeded' out)" 0 \
    "records: each says not blocked, and why"
cut -d, -f2 out > ids.out
cut -d, -f2 many.jsonl | sed 's/}$//' > ids.in
cmp -s ids.out ids.in
ok "$?" "records: in input order"
is "$(( $(calls UpdateRuleGroup) - n ))" 0 "records: too big, nothing sent"

# records as they came: pretty-printed, escapes, long; compact on the way out
big=$(awk 'BEGIN { while (n++ < 50000) printf "x" }')
printf '%s\n' '{' '  "HostIp": "203.0.113.7",' '  "Note": "a\nb\u2028c \"q\"",' \
    '  "Nested": {"K": [1, 2.50, null, true]}' '}' \
    "{\"HostIp\":\"203.0.113.8\",\"Big\":\"$big\"}" \
    '{"HostIp":"203.0.113.9","Unicode":"é✓"}' > odd.jsonl
nfw-sync --rule-group blocklist odd.jsonl > out 2> err
is "$?" 0 "odd records: exit 0"
is "$(sed -n 1p out)" \
    "$(printf '{"HostIp":"203.0.113.7","Note":"a\\nb\342\200\250c \\"q\\"","Nested":{"K":[1,2.5,null,true]},"Blocked":true}')" \
    "a pretty-printed record comes out compact, its escapes kept"
is "$(sed -n 2p out | jq -r '.Big | length'):$(sed -n 3p out)" \
    '50000:{"HostIp":"203.0.113.9","Unicode":"é✓","Blocked":true}' \
    "a long record and UTF-8 come out whole"

# the file the records wait in: unlinked at once, mode 0600, in TMPDIR
mkdir spool
fake_control '{"delays":{"DescribeRuleGroup":1.5}}'
TMPDIR=$TMP/spool nfw-sync --rule-group blocklist odd.jsonl > /dev/null 2>&1 &
pid=$!
seen=""
i=0
while [ $i -lt 40 ] && [ -z "$seen" ]; do
	for fd in /proc/$pid/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in
		"$TMP"/spool/nfw-sync.*" (deleted)") seen=$(stat -L -c %a "$fd") ;;
		esac
	done
	[ -n "$seen" ] || sleep 0.05
	i=$((i + 1))
done
wait $pid
is "$seen:$(ls -A spool)" "600:" "the records' file: unlinked, mode 600, nothing left"
fake_control '{"delays":{"DescribeRuleGroup":0}}'

# no room for the records: refused before anything is called (valgrind
# needs TMPDIR itself)
if [ -n "${SECHUB_VALGRIND:-}" ]; then
	for i in 1 2; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n - # SKIP TMPDIR unusable: valgrind needs it too"
	done
else
	n=$(jq -r .Op "$NFW_LOG" | wc -l)
	TMPDIR=$TMP/no-such-dir nfw-sync --rule-group blocklist odd.jsonl \
	    > out 2> err
	is "$?:$(cat err)" \
	    "3:nfw-sync: $TMP/no-such-dir: cannot keep the records for the output: No such file or directory" \
	    "TMPDIR unusable: exit 3, says why"
	is "$(( $(jq -r .Op "$NFW_LOG" | wc -l) - n ))" 0 \
	    "TMPDIR unusable: nothing called"
fi
