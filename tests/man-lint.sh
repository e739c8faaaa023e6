#!/bin/sh
# man-lint.sh: every man page is mandoc -T lint clean (warnings count), its
# footer names the project (not the "BSD" or system name an empty .Os gives),
# and neither mandoc nor groff renders a stray backslash-quote (an \e" or a
# \" left in a quoted macro argument, where "" is meant).
. "$top_srcdir/tests/lib.sh"
tmpdir
command -v mandoc >/dev/null 2>&1 || skip_all "mandoc not installed (apt-get install mandoc)"
set -- "$top_srcdir"/man/*.[1-9]
plan $(($# * 4))
for page in "$@"; do
	name=$(basename "$page")
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	is "$out" "" "mandoc lint: $name"
	mandoc -T ascii "$page" | col -bx >"$TMP/mandoc.txt"
	is "$(awk 'NF { last = $1 ":" $NF } END { print last }' "$TMP/mandoc.txt")" \
	    "sechub-tools:sechub-tools" "$name: mandoc's footer names the project"
	n=$(grep -c '\\"' "$TMP/mandoc.txt")
	is "$n" 0 "$name: mandoc renders no stray backslash-quote"
	if command -v groff >/dev/null 2>&1; then
		groff -mandoc -T ascii "$page" 2>/dev/null | col -bx \
		    >"$TMP/groff.txt"
		n=$(grep -c '\\"' "$TMP/groff.txt")
		f=$(awk 'NF { last = $1 ":" $NF } END { print last }' \
		    "$TMP/groff.txt")
		is "$n:$f" "0:sechub-tools:sechub-tools" \
		    "$name: groff renders no stray backslash-quote, and its footer names the project"
	else
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP groff not installed"
	fi
done
