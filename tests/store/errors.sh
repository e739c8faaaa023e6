#!/bin/sh
# errors.sh: what the user sees when the store cannot be used: a missing or
# read-only directory, a read-only file, a missing store; and a store whose
# write lock another process holds for a while is waited for, not failed.
. "$top_srcdir/tests/store/common.sh"
need_sqlite || skip_all "file-system errors are a SQLite matter ($STORE_URL)"
plan 11

rec='{"HostIp":"192.0.2.1"}'

err=$(echo "$rec" | ipstore -s "sqlite:$TMP/nodir/x.db" add 2>&1)
is "$?:$err" "3:ipstore: cannot create $TMP/nodir/x.db: directory $TMP/nodir does not exist" \
    "missing directory"
err=$(ipstore -s "sqlite:$TMP/none.db" list 2>&1)
is "$?:$err" "3:ipstore: $TMP/none.db: no such store (ipstore init creates it)" \
    "list does not create a store"
err=$(ipstore-prune -s "sqlite:$TMP/none.db" 2>&1)
is "$?:$err" "3:ipstore-prune: $TMP/none.db: no such store (ipstore init creates it)" \
    "nor does prune"
ok $([ ! -e "$TMP/none.db" ]; echo $?) "no file left behind"

# Read-only directories and files: root ignores permissions, so as root run
# the programs as nobody.
as_user=
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
		chmod 755 "$TMP"
	else
		as_user=none
	fi
fi
# nobody must reach the programs: not so in a build directory only root
# may enter (a clone in mktemp -d), where valgrind's wrapper scripts then
# cannot be read
if [ -n "$as_user" ] && [ "$as_user" != none ] &&
    ! $as_user ipstore --version >/dev/null 2>&1; then
	as_user=unreachable
fi
if [ "$as_user" = none ]; then
	skip 5 "running as root without setpriv"
elif [ "$as_user" = unreachable ]; then
	skip 5 "nobody cannot run the programs from this build directory"
else
	mkdir "$TMP/ro"
	ipstore -s "sqlite:$TMP/ro/x.db" init
	chmod 555 "$TMP/ro"
	err=$(echo "$rec" | $as_user ipstore -s "sqlite:$TMP/ro/new.db" add 2>&1)
	is "$?:$err" "3:ipstore: cannot create $TMP/ro/new.db: Permission denied" \
	    "read-only directory: new store"
	err=$(echo "$rec" | $as_user ipstore -s "sqlite:$TMP/ro/x.db" add 2>&1)
	is "$?:$err" "3:ipstore: $TMP/ro/x.db: directory $TMP/ro is not writable (Permission denied): the store keeps its journal beside the file" \
	    "read-only directory: existing store"
	mkdir "$TMP/rw"
	ipstore -s "sqlite:$TMP/rw/x.db" init
	chmod 777 "$TMP/rw"
	chmod 444 "$TMP/rw/x.db"
	err=$(echo "$rec" | $as_user ipstore -s "sqlite:$TMP/rw/x.db" add 2>&1)
	st=$?
	case $err in
	"ipstore: "*"read-only"*) r=0 ;;
	*) r=1; echo "# $err" ;;
	esac
	is "$st" 3 "read-only file: runtime failure"
	ok $r "read-only file: says so"
	is "$(ipstore -s "sqlite:$TMP/rw/x.db" count)" 0 "nothing written"
fi

# A write lock held for two seconds by another process is waited out.
if python3 -c 'import sqlite3' 2>/dev/null; then
	ipstore init
	python3 - "$STORE_FILE" "$TMP/locked" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO blocklist (host_ip, created_at, last_seen_at)"
    " VALUES ('192.0.2.9', 1, 1)")
open(sys.argv[2], "w").close()
time.sleep(2)
db.execute("COMMIT")
PY
	locker=$!
	while [ ! -e "$TMP/locked" ]; do sleep 0.05; done
	err=$(echo "$rec" | ipstore add 2>&1 >/dev/null)
	is "$?:$err" "0:" "add waits for the lock instead of failing"
	wait $locker
	is "$(ipstore count)" 2 "both writes kept"
else
	skip 2 "python3 with sqlite3 is needed to hold a lock"
fi
