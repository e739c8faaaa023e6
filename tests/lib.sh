# lib.sh: helpers for scenario tests (tests/**/*.sh) that print TAP.
# Source it: . "$top_srcdir/tests/lib.sh"
: "${top_srcdir:?run through make check (top_srcdir unset)}"
: "${FIXTURES:=$top_srcdir/tests/fixtures}"
export TZ=UTC LC_ALL=C

_tap_n=0
_tap_failed=0
_tap_cleanup=""

plan() { echo "1..$1"; }

ok() {
	# ok CONDITION-COMMAND... -- DESCRIPTION  |  ok "$?" DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
	fi
}

is() {
	# is GOT WANT DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $3"
		printf '%s\n' "$1" | sed 's/^/#   got: /' | head -20
		printf '%s\n' "$2" | sed 's/^/#  want: /' | head -20
	fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

at_exit() { _tap_cleanup="$*; $_tap_cleanup"; }

tmpdir() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/sechub-test.XXXXXX") || exit 99
	at_exit "rm -rf '$TMP'"
	export TMP
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
	# wait_port PORT [SECONDS]: until something listens on 127.0.0.1:PORT
	_i=0
	while ! python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt $((${2:-10} * 10)) ] && return 1
		sleep 0.1
	done
}

trap 'eval "$_tap_cleanup"' EXIT
trap 'exit 1' INT TERM

vg_only() {
	# vg_only PROGRAM...: in the valgrind pass, only these programs run
	# under memcheck in this test; the others (setting up, checking) run
	# as they are, since their own tests run them under memcheck. CI time:
	# every start under memcheck costs about a second of CPU.
	SECHUB_VG_ONLY="$*"
	export SECHUB_VG_ONLY
}

vg_scale() {
	# vg_scale N SMALL: N, or SMALL in the valgrind pass (memcheck runs a
	# program some 50 times slower; the same paths run on less data, and
	# the ordinary and ASan passes run them on all of it)
	if [ -n "${SECHUB_VALGRIND:-}" ]; then echo "$2"; else echo "$1"; fi
}
