#!/bin/sh
# regress.sh: run every fuzz target, built with an ordinary main() (driver.c),
# over its seeds and its past findings (tests/fuzz/regress/TARGET/*), so a
# fixed bug stays fixed in every build (sanitizers and valgrind included).
. "$top_srcdir/tests/lib.sh"
fz=$top_srcdir/tests/fuzz
targets=""
for f in "$fz"/fuzz-*.c; do
	t=${f##*/fuzz-}
	targets="$targets ${t%.c}"
done
n=0
for t in $targets; do
	for d in seeds regress; do
		[ -d "$fz/$d/$t" ] || continue
		n=$((n + 1))
	done
done
plan "$n"
tmpdir
for t in $targets; do
	for d in seeds regress; do
		[ -d "$fz/$d/$t" ] || continue
		bad=""
		set --
		for input in "$fz/$d/$t"/*; do
			[ -f "$input" ] && set -- "$@" "$input"
		done
		count=$#
		# all inputs in one run (valgrind starts once); on failure,
		# one run per input to name the ones that fail
		# shellcheck disable=SC2086
		if ! timeout 600 ${SECHUB_VALGRIND:-} "$top_builddir/tests/fuzz/fuzz-$t" \
		    "$@" >"$TMP/out" 2>&1; then
			sed 's/^/# /' "$TMP/out" | head -20
			for input in "$@"; do
				# shellcheck disable=SC2086
				timeout 120 ${SECHUB_VALGRIND:-} \
				    "$top_builddir/tests/fuzz/fuzz-$t" "$input" \
				    >/dev/null 2>&1 || bad="$bad ${input##*/}"
			done
			[ -n "$bad" ] || bad=" (only together)"
		fi
		ok "$([ -z "$bad" ] && [ $count -gt 0 ]; echo $?)" \
		    "fuzz-$t: $count $d inputs${bad:+; failing:$bad}"
	done
done
