#!/bin/sh
# stream.sh: on a slow stream, ipstore add prints each record soon after it
# arrives (committed, not held back for a batch), and does not keep the
# store's write lock while it waits for more input.
. "$top_srcdir/tests/store/common.sh"
plan 5
reset_store

mkfifo "$TMP/feed"
: > "$TMP/out"
ipstore add < "$TMP/feed" >> "$TMP/out" 2> "$TMP/err" &
adder=$!
exec 3> "$TMP/feed"		# hold the stream open

# wait_lines N: until $TMP/out has N lines, at most 60 seconds (valgrind)
wait_lines() {
	_i=0
	while [ "$(wc -l < "$TMP/out")" -lt "$1" ] && [ $_i -lt 1200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ "$(wc -l < "$TMP/out")" -ge "$1" ]
}

echo '{"HostIp":"192.0.2.1"}' >&3
wait_lines 1
ok $? "the first record comes out while the stream stays open"
is "$(ipstore get 192.0.2.1 | field HostIp)" 192.0.2.1 \
    "and it is committed: another process sees it"

# While the adder waits for input, another writer gets the lock at once:
# were the lock kept, it would wait out the two-minute busy timeout and
# fail.
start=$(date +%s)
echo '{"HostIp":"192.0.2.2"}' | ipstore add > /dev/null
st=$?
is "$st:$(( $(date +%s) - start < 100 ))" "0:1" "another writer is not kept waiting"

echo '{"HostIp":"192.0.2.2"}' >&3
wait_lines 2
is "$(sed -n 2p "$TMP/out" | field NewIP)" false \
    "the second record, known by then, comes out too"
exec 3>&-
wait $adder
is "$?:$(cat "$TMP/err")" "0:" "the adder ends cleanly at the end of input"
