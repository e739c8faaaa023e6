# sandbox.sh: sourced by the tests of what gets installed (schedule.sh,
# deb.sh). Runs commands in a mount namespace where /etc, /var/lib and /run
# are the host's with the test's own directories laid over them (overlayfs)
# and /usr/local can be a test's `make install DESTDIR=` tree, so that the
# units and the crontab line run with the paths they name, as written,
# while nothing the test writes reaches the host.

# need_sandbox: skip the test where this machine cannot make one
need_sandbox() {
	[ "$(id -u)" = 0 ] || skip_all "needs root for a mount namespace"
	command -v unshare >/dev/null 2>&1 || skip_all "unshare not installed"
	mkdir -p "$TMP/.probe/up" "$TMP/.probe/work"
	unshare -m /bin/sh -c "mount -t overlay overlay -o \
lowerdir=/etc,upperdir=$TMP/.probe/up,workdir=$TMP/.probe/work /etc" \
	    2>/dev/null ||
	    skip_all "no mount namespace with overlayfs here (unshare -m, mount -t overlay)"
	rm -rf "$TMP/.probe"
}

# sandbox ROOT [--usr-local] CMD...: CMD as root, with ROOT/etc, ROOT/var/lib
# and ROOT/run over the host's, and ROOT/usr/local as /usr/local if asked
sandbox() {
	_root=$1
	shift
	_ul=no
	[ "$1" = --usr-local ] && { _ul=yes; shift; }
	unshare -m /bin/sh -c '
		r=$1 ul=$2
		shift 2
		for d in etc var/lib run; do
			mkdir -p "$r/$d" "$r/.work/$d" &&
			mount -t overlay overlay \
			    -o "lowerdir=/$d,upperdir=$r/$d,workdir=$r/.work/$d" \
			    "/$d" || exit 98
		done
		if [ "$ul" = yes ]; then
			mount --bind "$r/usr/local" /usr/local || exit 98
		fi
		exec "$@"' sandbox "$_root" "$_ul" "$@"
}

# emulate unit|cron FILE: run it as systemd or cron would (emulate.py)
emulate() {
	/usr/bin/python3 "$top_srcdir/tests/ship/emulate.py" "$@"
}
