#!/bin/sh
# run.sh: build the fuzz targets with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and run each for FUZZ_SECONDS. Called by
# `make fuzz` (see tests/fuzz/README), which passes the build's flags:
#   FUZZ_CC FUZZ_SECONDS FUZZ_CFLAGS FUZZ_CPPFLAGS FUZZ_LIBS FUZZ_LIBSRC
#   srcdir builddir
# Arguments: the targets to run (default: every tests/fuzz/fuzz-*.c).
# Ends with one line per target: runs, speed, corpus size and the verdict;
# a finding leaves its input in tests/fuzz/artifacts/ and fails.
set -u
: "${srcdir:?}" "${builddir:?}"
: "${FUZZ_CC:=clang}" "${FUZZ_SECONDS:=60}" "${FUZZ_CFLAGS:=-g -O1}"
: "${FUZZ_CPPFLAGS:=}" "${FUZZ_LIBS:=}" "${FUZZ_LIBSRC:=}"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
fz=$srcdir/tests/fuzz
out=$builddir/tests/fuzz/out
mkdir -p "$out/lib" "$builddir/tests/fuzz/artifacts" || exit 2

if [ $# -eq 0 ]; then
	for f in "$fz"/fuzz-*.c; do
		t=${f##*/fuzz-}
		set -- "$@" "${t%.c}"
	done
fi

# the library, instrumented for coverage but without libFuzzer's main
objs=""
for src in $FUZZ_LIBSRC; do
	case $src in *.c) ;; *) continue ;; esac
	o=$out/lib/$(basename "$src" .c).o
	if [ ! -f "$o" ] || [ "$srcdir/$src" -nt "$o" ]; then
		$FUZZ_CC $FUZZ_CFLAGS $san -fsanitize=fuzzer-no-link \
		    -I"$builddir" -I"$srcdir/lib" -D_GNU_SOURCE $FUZZ_CPPFLAGS \
		    -c "$srcdir/$src" -o "$o" || exit 2
	fi
	objs="$objs $o"
done

# an archive, so a target that includes a library file to reach its static
# functions (fuzz-resp) does not get that file's object twice
rm -f "$out/libfuzz.a"
# shellcheck disable=SC2086
ar rcs "$out/libfuzz.a" $objs || exit 2

status=0
summary=""
for t in "$@"; do
	bin=$out/fuzz-$t
	echo "fuzz: building $t" >&2
	$FUZZ_CC $FUZZ_CFLAGS $san -fsanitize=fuzzer -I"$builddir" \
	    -I"$srcdir/lib" -I"$fz" -D_GNU_SOURCE $FUZZ_CPPFLAGS \
	    "$fz/fuzz-$t.c" "$out/libfuzz.a" $FUZZ_LIBS -lpthread -o "$bin" ||
	    exit 2

	corpus=$builddir/tests/fuzz/corpus/$t
	mkdir -p "$corpus"
	set --
	for d in "$fz/seeds/$t" "$fz/regress/$t"; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	# records-reading targets also start from the suite's fixtures
	case $t in
	jl|jlpipe|finding)
		[ -d "$srcdir/tests/fixtures" ] && set -- "$@" "$srcdir/tests/fixtures" ;;
	esac
	dict=""
	[ -f "$fz/dict/$t.dict" ] && dict="-dict=$fz/dict/$t.dict"
	maxlen=""
	[ -f "$fz/dict/$t.maxlen" ] && maxlen="-max_len=$(cat "$fz/dict/$t.maxlen")"

	log=$builddir/tests/fuzz/$t.log
	echo "fuzz: running $t for ${FUZZ_SECONDS}s (log: $log)" >&2
	t0=$(date +%s)
	"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=2048 $dict $maxlen \
	    -artifact_prefix="$builddir/tests/fuzz/artifacts/$t-" \
	    "$corpus" "$@" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | awk '{s += $1} END {print s + 0}')
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9]*\).*/cov \1 ft \2 corpus \3/p')
	if [ $rc -eq 0 ]; then
		verdict="no finding"
	else
		verdict="FINDING (exit $rc), see $log and tests/fuzz/artifacts/$t-*"
		status=1
	fi
	line="$t: ${secs}s of ${FUZZ_SECONDS}s, $runs runs, $speed runs/s, $cov: $verdict"
	summary="$summary$line
"
	echo "fuzz: $line" >&2
done
printf '%s' "$summary"
exit $status
