#!/bin/sh
# lock.sh: a SQLite store held by another writer for a few seconds: the
# commands that write wait for it and succeed once it is released, and the
# times they write are taken when the write happens, after the wait, not
# when the command started; held in exclusive locking mode, which even
# readers must wait for, every command waits the same busy timeout and
# succeeds.
. "$top_srcdir/tests/store/common.sh"
need_sqlite || skip_all "locks are a SQLite matter ($STORE_URL)"
python3 -c 'import sqlite3' 2>/dev/null || skip_all "python3 with sqlite3 is needed"
plan 13
reset_store
# the real clock: the point is when times are taken
unset SECHUB_NOW
# (seen long ago: ipstore-prune will find them expired)
printf '{"HostIp":"192.0.2.%d"}\n' 1 2 3 4 5 6 |
    SECHUB_NOW=2020-01-01T00:00:00Z ipstore add >/dev/null
# pending, to be forgotten
SECHUB_NOW=2020-01-01T00:00:00Z ipstore rm 192.0.2.4 192.0.2.6 >/dev/null
ipstore -s "sqlite:$TMP/other.db" init
echo '{"HostIp":"203.0.113.9"}' | ipstore -s "sqlite:$TMP/other.db" add >/dev/null

# hold MODE SECONDS: lock the store (MODE normal: a writer, readers go
# on; exclusive: nobody else reads either), then release it and write the
# time of the release (epoch seconds) to $TMP/released
hold() {
	rm -f "$TMP/lock.out" "$TMP/released"
	python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode = " + sys.argv[2])
c.execute("BEGIN EXCLUSIVE")
c.execute("UPDATE blocklist SET record = NULL WHERE 0")
print("locked", flush=True)
time.sleep(float(sys.argv[3]))
c.execute("COMMIT")
c.close()
print(int(time.time()), file=open(sys.argv[4], "w"), flush=True)' \
	    "$STORE_FILE" "$1" "$2" "$TMP/released" > "$TMP/lock.out" &
	locker=$!
	at_exit "kill $locker 2>/dev/null"
	i=0
	while [ ! -s "$TMP/lock.out" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	started=$(date +%s)
}
# run NAME CMD...: in the background, output and status in $TMP/NAME.*
run() {
	_n=$1
	shift
	rm -f "$TMP/$_n.st"
	{ "$@" > "$TMP/$_n.out" 2> "$TMP/$_n.err"; echo $? > "$TMP/$_n.st"; } &
}
# finished NAME...: wait for them (a minute at most); "name:status:stderr "
finished() {
	_w=0
	for _n in "$@"; do
		while [ ! -s "$TMP/$_n.st" ] && [ $_w -lt 600 ]; do
			sleep 0.1
			_w=$((_w + 1))
		done
		printf '%s:%s:%s ' "$_n" "$(cat "$TMP/$_n.st")" "$(cat "$TMP/$_n.err")"
	done
}
epoch() { python3 -c 'import calendar, sys, time
print(calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ")))' "$1"; }

# --- a writer holds the lock: writes wait, their times come after ----------
hold normal 3
echo '{"HostIp":"192.0.2.9"}' > "$TMP/new.jsonl"
echo '{"HostIp":"192.0.2.4","Blocked":false}' > "$TMP/nfw.jsonl"
run add ipstore add "$TMP/new.jsonl"
run rm ipstore rm 192.0.2.2
run mirror ipstore mirror --from "sqlite:$TMP/other.db" --to "$STORE_URL"
run forget ipstore forget "$TMP/nfw.jsonl"
run prune ipstore-prune --older-than 1d
run list ipstore list
all=$(finished add rm mirror forget prune list)
released=$(cat "$TMP/released")
ok $([ $((released - started)) -ge 2 ]; echo $?) \
    "the lock was held for seconds ($((released - started)) s)"
is "$all" "add:0: rm:0: mirror:0: forget:0: prune:0: list:0: " \
    "writers waited for the lock and succeeded; a reader went on"
seen=$(epoch "$(field LastSeenAt < "$TMP/add.out")")
created=$(epoch "$(field CreatedAt < "$TMP/add.out")")
ok $([ "$seen" -ge "$released" ]; echo $?) \
    "add: LastSeenAt is after the release ($seen >= $released, started $started)"
ok $([ "$created" -ge "$released" ]; echo $?) \
    "add: CreatedAt too ($created >= $released)"
is "$(epoch "$(ipstore get 192.0.2.9 | field LastSeenAt)")" "$seen" \
    "and it is what the store holds"
is "$(field HostIp < "$TMP/rm.out")" 192.0.2.2 "rm did its work after the wait"
ipstore list --removed | grep -v '"192.0.2.6"' > "$TMP/removed"
early=$(field RemovedAt < "$TMP/removed" | sort -u | while read -r t; do
	[ "$(epoch "$t")" -ge "$released" ] || echo "$t"; done)
is "$early:$(field HostIp < "$TMP/removed" | tr '\n' ' ')" \
    ":192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.5 " \
    "rm and ipstore-prune: RemovedAt is after the release"
is "$(ipstore get 192.0.2.4 2>&1)" "ipstore: 192.0.2.4: not in the store" \
    "forget did its work after the wait"
is "$(field HostIp < "$TMP/mirror.out")" 203.0.113.9 "mirror merged its entry"

# --- exclusive locking mode: every command waits ------------------------------
hold exclusive 3
echo '{"HostIp":"192.0.2.10"}' > "$TMP/new.jsonl"
run add ipstore add "$TMP/new.jsonl"
run list ipstore list
run get ipstore get 192.0.2.9
run count ipstore count
run rm ipstore rm 192.0.2.3
run prune ipstore-prune --older-than 1000w
run mirror ipstore mirror --from "sqlite:$TMP/other.db" --to "$STORE_URL"
echo '{"HostIp":"192.0.2.6","Blocked":false}' > "$TMP/nfw.jsonl"
run forget ipstore forget "$TMP/nfw.jsonl"
all=$(finished add list get count rm prune mirror forget)
released=$(cat "$TMP/released")
is "$all" "add:0: list:0: get:0: count:0: rm:0: prune:0: mirror:0: forget:0: " \
    "every command waited for the lock and succeeded"
n=$(wc -l < "$TMP/list.out")
c=$(cat "$TMP/count.out")
ok $([ "$n" -ge 1 ] && [ "$n" -le 4 ] && [ "$c" -ge 1 ] && [ "$c" -le 4 ]; echo $?) \
    "list and count read the store once it was released ($n, $c)"
is "$(field HostIp < "$TMP/get.out")" 192.0.2.9 "get found its entry"
seen=$(epoch "$(field LastSeenAt < "$TMP/add.out")")
ok $([ "$seen" -ge "$released" ]; echo $?) \
    "add: LastSeenAt is after the release ($seen >= $released)"
