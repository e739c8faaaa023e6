#!/bin/sh
# opt-man.sh: every option a program's --help lists (its option table) is
# documented in the OPTIONS list of its manual page (an .It line naming the
# long option, and the short letter with it), every --help line fits 80
# columns, and --help names the page.
. "$top_srcdir/tests/lib.sh"
progs=$(cd "$top_builddir/bin" && ls | grep -v '\.' | sort)
set -- $progs
plan $(($# * 3))
for p in "$@"; do
	page="$top_srcdir/man/$p.1"
	help=$("$p" --help 2>&1)
	missing=""
	for spec in $(printf '%s\n' "$help" | sed -n '/^Options:/,$p' |
	    sed -n 's/^ *\(-., \)\{0,1\}--\([a-z][a-z0-9-]*\).*/\1\2/p' |
	    tr -d ' '); do
		long=${spec#*,}
		short=""
		case $spec in -?,*) short=${spec%%,*}; short=${short#-} ;; esac
		line=$(grep -E "^\.It .*Fl \\\\-$long( |$)" "$page" | head -1)
		if [ -z "$line" ]; then
			missing="$missing --$long"
		elif [ -n "$short" ] &&
		    ! printf '%s\n' "$line" | grep -qE "Fl $short( |$)"; then
			missing="$missing -$short(--$long)"
		fi
	done
	is "$missing" "" "$p: every option of --help is in $p.1"
	long=$(printf '%s\n' "$help" | awk 'length > 80' | head -3)
	is "$long" "" "$p: --help lines fit 80 columns"
	printf '%s\n' "$help" | grep -q "^See $p(1)"
	ok $? "$p: --help names its manual page"
done
