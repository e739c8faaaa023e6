#!/bin/sh
# install.sh: make install into a DESTDIR puts the programs, pages and
# examples where the README says, and make uninstall takes them all away
# again: no file and no directory of ours left behind (bin/ and the man
# directories are shared, and stay as automake leaves them).
. "$top_srcdir/tests/lib.sh"
command -v make >/dev/null 2>&1 || skip_all "make not installed"
[ -f "$top_builddir/Makefile" ] || skip_all "no Makefile in $top_builddir"
tmpdir
plan 4
dest=$TMP/dest
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
unset MAKEFLAGS MFLAGS
make -s -C "$top_builddir" install DESTDIR="$dest" >"$TMP/out" 2>&1
is "$?" 0 "make install DESTDIR=... succeeds"
ok "$([ -x "$dest$prefix/bin/nfw-sync" ] &&
    [ -f "$dest$prefix/share/man/man7/sechub-tools.7" ] &&
    [ -f "$dest$prefix/share/sechub-tools/examples/demo/events.jsonl" ] &&
    [ -n "$(find "$dest$prefix/share/sechub-tools/examples" -mindepth 2 -type f)" ]; echo $?)" \
    "programs, pages and examples (in folders) are installed"
make -s -C "$top_builddir" uninstall DESTDIR="$dest" >"$TMP/out" 2>&1
is "$?:$(find "$dest" ! -type d | head -5)" "0:" \
    "make uninstall leaves no file"
is "$(find "$dest" -type d -path '*sechub-tools*' | sort)" "" \
    "make uninstall leaves no directory of ours (share/sechub-tools/examples/*)"
