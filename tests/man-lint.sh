#!/bin/sh
# man-lint.sh: every man page is mandoc -T lint clean (warnings count).
. "$top_srcdir/tests/lib.sh"
command -v mandoc >/dev/null 2>&1 || skip_all "mandoc not installed (apt-get install mandoc)"
set -- "$top_srcdir"/man/*.[1-9]
plan $#
for page in "$@"; do
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	is "$out" "" "mandoc lint: $(basename "$page")"
done
