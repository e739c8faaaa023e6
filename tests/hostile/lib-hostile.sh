# lib-hostile.sh: hostile-input checks shared by tests/hostile/*.sh.
# Source after tests/lib.sh. Gives:
#   hostile_inputs [finding] generate the inputs into $HOSTILE (once per test);
#                            "finding": as GuardDuty findings (see gen.py)
#   hostile_run NAME CMD...  run CMD with stdin from $HOSTILE/NAME, under a
#                            timeout, measuring max RSS; sets $st, $rss (KB),
#                            and leaves $TMP/out, $TMP/err
#   hostile_check NAME PROG STATUS REJECTS GOOD RSSMB
#                            the assertions (7 test points): no crash, no
#                            hang, the exit status, one clear "PROG: file:line:"
#                            message per rejected record (REJECTS; "+" for at
#                            least one), no other message, short messages,
#                            GOOD lines of output ("+": at least one; "-": not
#                            checked), max RSS below RSSMB (not under valgrind)
# Under valgrind (SECHUB_VALGRIND set) the long line is 4 MB instead of 64.
# $HOSTILE_MAXLINE is a --max-line above the long line (the default, 16 MiB,
# rejects it: see max-line.sh), so the long valid records are read.
HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-300}
HOSTILE_POINTS=7

hostile_inputs() {
	HOSTILE=$TMP/inputs
	mkdir -p "$HOSTILE"
	if [ -n "${SECHUB_VALGRIND:-}" ]; then
		HOSTILE_BIGMB=4
	else
		HOSTILE_BIGMB=64
	fi
	HOSTILE_MAXLINE=$((HOSTILE_BIGMB * 2))M
	python3 "$top_srcdir/tests/hostile/gen.py" "$HOSTILE" "$HOSTILE_BIGMB" \
	    ${1:-} || exit 99
	# sanitizer builds carry shadow memory and a quarantine
	HOSTILE_RSS_FACTOR=1
	case ${SECHUB_SANITIZERS:-} in *address*) HOSTILE_RSS_FACTOR=4 ;; esac
}

hostile_run() {
	_name=$1
	shift
	st=0
	rm -f "$TMP/rss"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$TMP/rss" timeout -k 5 \
		    "$HOSTILE_TIMEOUT" "$@" <"$HOSTILE/$_name" >"$TMP/out" \
		    2>"$TMP/err" || st=$?
	else
		timeout -k 5 "$HOSTILE_TIMEOUT" "$@" <"$HOSTILE/$_name" \
		    >"$TMP/out" 2>"$TMP/err" || st=$?
	fi
	rss=$(tail -1 "$TMP/rss" 2>/dev/null)
	case $rss in ''|*[!0-9]*) rss=0 ;; esac
	# /usr/bin/time notes a signal in its output file; keep stderr clean
}

hostile_check() {
	_name=$1 _prog=$2 _want=$3 _rej=$4 _good=$5 _rssmb=$6
	# 124..127: timeout(1) gave up; 128 and above: killed by a signal
	ok "$([ "$st" -lt 124 ]; echo $?)" \
	    "$_name: no crash and no hang (status $st)"
	# 99: valgrind's --error-exitcode, and ASan's exitcode in runtests
	ok "$([ "$st" != 99 ]; echo $?)" "$_name: no memory error or leak"
	is "$st" "$_want" "$_name: exit status"
	_n=$(grep -c "^$_prog: <stdin>:[0-9][0-9]*: " "$TMP/err")
	if [ "$_rej" = "+" ]; then
		ok "$([ "$_n" -ge 1 ]; echo $?)" "$_name: a message per rejected record ($_n)"
	else
		is "$_n" "$_rej" "$_name: a message per rejected record"
	fi
	_other=$(grep -v "^$_prog: <stdin>:[0-9][0-9]*: " "$TMP/err" | head -5)
	_long=$(awk 'length($0) > 400 { n++ } END { print n + 0 }' "$TMP/err")
	is "$_other:$_long" ":0" "$_name: only one-line per-record messages, none longer than 400 bytes"
	_lines=$(wc -l <"$TMP/out")
	case $_good in
	+) ok "$([ "$_lines" -ge 1 ]; echo $?)" "$_name: the good records come through ($_lines)" ;;
	-) ok 0 "$_name: output not checked" ;;
	*) is "$_lines" "$_good" "$_name: the good records come through" ;;
	esac
	if [ -n "${SECHUB_VALGRIND:-}" ]; then
		ok 0 "$_name: max RSS not measured under valgrind"
	elif [ ! -x /usr/bin/time ]; then
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP no /usr/bin/time (apt-get install time)"
	else
		_lim=$((_rssmb * HOSTILE_RSS_FACTOR * 1024))
		ok "$([ "$rss" -gt 0 ] && [ "$rss" -le "$_lim" ]; echo $?)" \
		    "$_name: max RSS $((rss / 1024)) MB <= $((_lim / 1024)) MB"
	fi
}
