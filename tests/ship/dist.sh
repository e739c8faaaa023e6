#!/bin/sh
# dist.sh: everything the repository tracks is in the release tarball, so
# that `make distcheck` (and a Debian build from the tarball) finds every
# test, fixture, stand-in and script the suite runs or reads. Cheaper than
# distcheck in CI: `make distdir` copies the files (well under a second)
# instead of a whole second build and check.
. "$top_srcdir/tests/lib.sh"

command -v git >/dev/null 2>&1 || skip_all "git not installed"
top=$(cd "$top_srcdir" && pwd -P)
[ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ] ||
	skip_all "not a git checkout (a tarball holds what it holds)"

# tracked files that are not part of the release, with the reason
not_shipped() {
	case $1 in
	.gitignore) return 0 ;;	# of the repository, not of the sources
	esac
	return 1
}

plan 3
tmpdir
# not the jobserver of the `make check` that runs us
unset MAKEFLAGS MFLAGS MAKELEVEL
dist=$TMP/sechub-tools
make -s -C "$top_builddir" distdir distdir="$dist" >"$TMP/make.out" 2>&1
ok $? "make distdir succeeds"
sed 's/^/# /' "$TMP/make.out" | head -20

: > "$TMP/missing"
git -C "$top" ls-files -z | tr '\0' '\n' | while IFS= read -r f; do
	[ -e "$top/$f" ] || continue	# deleted, not yet committed
	not_shipped "$f" && continue
	[ -e "$dist/$f" ] || printf '%s\n' "$f" >> "$TMP/missing"
done
is "$(cat "$TMP/missing")" "" \
    "every tracked file is in the tarball (add the missing to EXTRA_DIST)"

# the files the suite runs are among them: every test script and case
n=0
for t in $(grep -o 'tests/[A-Za-z0-9_./-]*\.\(sh\|test\)' \
    "$top/Makefile.am" | sort -u); do
	[ -e "$dist/$t" ] || { echo "# not in the tarball: $t"; n=$((n + 1)); }
done
is "$n" 0 "every test named in Makefile.am is in the tarball"
