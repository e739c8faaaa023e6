#!/bin/sh
# crash.sh: kill -9 during a large add: the store stays consistent and
# holds every record the killed process had printed (printed means
# committed), and the next add carries on.
. "$top_srcdir/tests/store/common.sh"
plan 6
reset_store
# a remote store is slower: fewer records, same story
if need_sqlite; then n=$(vg_scale 60000 6000); else n=6000; fi
kill_after=$((n / 12))

mkfifo "$TMP/feed"
: > "$TMP/out"
ipstore add < "$TMP/feed" >> "$TMP/out" 2>/dev/null &
adder=$!
# Feed the records slowly enough to be killed half way.
trickle 0 $n $((n / 120)) > "$TMP/feed" &
feeder=$!
i=0
while [ "$(wc -l < "$TMP/out")" -lt $kill_after ] && [ $i -lt 1200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 $adder
wait $adder 2>/dev/null
kill $feeder 2>/dev/null
wait $feeder 2>/dev/null
printed=$(grep -c '}$' "$TMP/out")
ok $([ "$printed" -gt 0 ] && [ "$printed" -lt $n ]; echo $?) \
    "killed half way ($printed records printed)"

grep '}$' "$TMP/out" | field HostIp | sort > "$TMP/acked"
ipstore list | field HostIp | sort > "$TMP/stored"
is "$(comm -23 "$TMP/acked" "$TMP/stored" | head -5)" "" \
    "every printed record is in the store"
is "$(grep -c '"NewIP":true' "$TMP/out")" "$printed" "all were new"

if need_sqlite && python3 -c 'import sqlite3' 2>/dev/null; then
	r=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' \
	    "$STORE_FILE")
	is "$r" ok "integrity_check after the crash"
else
	skip 1 "integrity check needs a SQLite store and python3's sqlite3"
fi
ips 0 $n | ipstore add > "$TMP/out2"
is "$?" 0 "the next add succeeds"
is "$(grep -c '"NewIP":true' "$TMP/out2")" \
    "$((n - $(wc -l < "$TMP/stored")))" \
    "and says new exactly for what the store did not have"
