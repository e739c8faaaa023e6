# common.sh: sourced by tests/store/*.sh. The store under test is
# $STORE_URL (default: a fresh SQLite file per test), so the same scenarios
# run against any backend; backend-specific checks use need_sqlite.
. "$top_srcdir/tests/lib.sh"
tmpdir
: "${STORE_URL:=sqlite:$TMP/x.db}"
export SECHUB_STORE="$STORE_URL"
unset SECHUB_NOW

case $STORE_URL in
sqlite:*) STORE_KIND=sqlite; STORE_FILE=${STORE_URL#sqlite:} ;;
*) STORE_KIND=${STORE_URL%%:*}; STORE_FILE= ;;
esac

# need_sqlite: true when the store is a SQLite file (else skip those checks)
need_sqlite() { [ "$STORE_KIND" = sqlite ]; }

# skip N DESC: N skipped test points
skip() {
	_i=0
	while [ $_i -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $2"
		_i=$((_i + 1))
	done
}

# ips N [PREFIX]: N records {"HostIp":"PREFIX.a.b"}, distinct addresses
ips() {
	awk -v n="$1" -v p="${2:-198.51}" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"HostIp\":\"%s.%d.%d\"}\n", p, int(i / 256) % 256, i % 256
	}'
}
