# common.sh: sourced by tests/store/*.sh. The store under test is
# $STORE_URL (default: a fresh SQLite file per test), so the same scenarios
# run against any backend; checks that only make sense for a SQLite file
# are guarded by need_sqlite and counted as skipped otherwise.
. "$top_srcdir/tests/lib.sh"
tmpdir
: "${STORE_URL:=sqlite:$TMP/x.db}"
SECHUB_STORE=$STORE_URL
export SECHUB_STORE
unset SECHUB_NOW

case $STORE_URL in
sqlite:*) STORE_KIND=sqlite; STORE_FILE=${STORE_URL#sqlite:} ;;
*) STORE_KIND=${STORE_URL%%:*}; STORE_FILE= ;;
esac

# need_sqlite: true when the store under test is a SQLite file
need_sqlite() { [ "$STORE_KIND" = sqlite ]; }

# skip N REASON: N test points skipped
skip() {
	_i=0
	while [ $_i -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $2"
		_i=$((_i + 1))
	done
}

# ips FROM TO [PREFIX]: records {"HostIp":"PREFIX.a.b"} for FROM <= i < TO
ips() {
	awk -v from="$1" -v to="$2" -v p="${3:-198.51}" 'BEGIN {
		for (i = from; i < to; i++)
			printf "{\"HostIp\":\"%s.%d.%d\"}\n", p,
			    int(i / 256) % 256, i % 256
	}'
}

# trickle FROM TO CHUNK: like ips, in chunks with a pause between them, so
# that concurrent writers interleave
trickle() {
	_f=$1
	while [ "$_f" -lt "$2" ]; do
		_t=$((_f + $3))
		[ $_t -gt "$2" ] && _t=$2
		ips "$_f" "$_t" "${4:-198.51}"
		sleep 0.05
		_f=$_t
	done
}

# field NAME: the value of a top-level string or boolean field, per line
field() {
	sed -n "s/.*\"$1\":\(\"[^\"]*\"\|true\|false\).*/\1/p" | tr -d '"'
}

# reset_store: an empty store under test (rm unblocks; forget --pending
# then deletes what is pending)
reset_store() {
	if need_sqlite; then
		rm -f "$STORE_FILE" "$STORE_FILE-wal" "$STORE_FILE-shm"
		ipstore init
	else
		ipstore init && ipstore list | ipstore rm >/dev/null &&
		    ipstore forget --pending --before 9999-12-31T23:59:59Z \
		    >/dev/null
	fi
}
