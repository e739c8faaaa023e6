#!/bin/sh
# deb.sh: the Debian package, built from the release tarball with
# `dpkg-buildpackage -us -uc -b`, lintian-clean, installed with dpkg -i:
# programs, pages, examples, units and conffiles where Debian puts them,
# the sechub user, every program's --version and the three flows in dry run
# from the installed paths, the installed unit run as written on a fresh
# box; then purged. Compiles everything once more (about a minute), so it
# runs in runtests' package pass only (SECHUB_TEST_PACKAGE=1).
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/slack/lib-slack.sh"
. "$top_srcdir/tests/ship/sandbox.sh"

[ "${SECHUB_TEST_PACKAGE:-}" = 1 ] ||
	skip_all "builds the package: set SECHUB_TEST_PACKAGE=1 (runtests' package pass does)"
for t in dpkg-buildpackage dh lintian; do
	command -v $t >/dev/null 2>&1 ||
	    skip_all "$t not installed (scripts/install-deps deb)"
done
[ "$(id -u)" = 0 ] || skip_all "dpkg -i needs root"
if dpkg-query -W -f='${Status}' sechub-tools 2>/dev/null | grep -q installed; then
	skip_all "sechub-tools is installed on this machine: not replacing it"
fi
need_sandbox
PROGS="sh-findings sh-match sh-extract-ip ipstore ipstore-prune nfw-sync slack-notify"
plan 23

unset MAKEFLAGS MFLAGS MAKELEVEL
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
src=$TMP/src/sechub-tools-$version
mkdir -p "$TMP/src"
make -s -C "$top_builddir" distdir distdir="$src" >"$TMP/dist.out" 2>&1 ||
	{ sed 's/^/# /' "$TMP/dist.out"; echo "Bail out! make distdir failed"; exit 1; }
(cd "$src" && DEB_BUILD_OPTIONS="parallel=2 nocheck" \
    dpkg-buildpackage -us -uc -b) >"$TMP/build.out" 2>&1
ok $? "dpkg-buildpackage -us -uc -b builds it from the tarball"
tail -5 "$TMP/build.out" | sed 's/^/# /'
deb=$TMP/src/sechub-tools_${version}_$(dpkg --print-architecture).deb
ok $(test -f "$deb"; echo $?) "the .deb is there"
lintian --fail-on error "$TMP/src/"sechub-tools_*.changes >"$TMP/lintian.out" 2>&1
ok $? "lintian: no error"
grep -E '^[EW]:' "$TMP/lintian.out" | sed 's/^/# /'

# dpkg -i, waiting for another dpkg to let go of its lock
at_exit "dpkg --purge sechub-tools >/dev/null 2>&1"
i=0
while ! dpkg -i "$deb" >"$TMP/install.out" 2>&1; do
	i=$((i + 1))
	grep -q 'lock' "$TMP/install.out" && [ $i -lt 60 ] || break
	sleep 1
done
ok $(dpkg-query -W -f='${Status}' sechub-tools | grep -q 'ok installed'; echo $?) \
    "dpkg -i installs it"
sed 's/^/# /' "$TMP/install.out" | grep -v '^# \(Selecting\|(Reading\|Preparing\|Unpacking\|Setting up\)'

n=0
for p in $PROGS; do
	[ -x /usr/bin/$p ] && [ -f /usr/share/man/man1/$p.1.gz ] || {
		echo "# missing: /usr/bin/$p or its page"; n=$((n + 1)); }
done
is "$n" 0 "the programs are in /usr/bin, their pages in /usr/share/man/man1"
ok $(test -f /usr/share/man/man7/sechub-tools.7.gz; echo $?) "and the overview in man7"
ok $(test -f /usr/share/doc/sechub-tools/examples/patterns/catch-remote-hosts.json &&
    test -x /usr/bin/sechub; echo $?) \
    "the examples are in /usr/share/doc/sechub-tools/examples"
ok $(test -f /lib/systemd/system/sechub-prune.service &&
    test -f /lib/systemd/system/sechub-prune.timer &&
    test -f /lib/systemd/system/sechub-reconcile.timer; echo $?) \
    "the units are in /lib/systemd/system"
is "$(dpkg-query -W -f='${Conffiles}\n' sechub-tools | awk 'NF { print $1 }' | sort)" \
"/etc/sechub-tools/config
/etc/sechub-tools/sechub-tools.env" "the settings in /etc/sechub-tools are conffiles"
is "$(grep -v '^#' /etc/sechub-tools/config | grep -v '^\[' | grep -c .)/$(grep -v '^#' /etc/sechub-tools/sechub-tools.env | grep -c .)" \
    "0/0" "with every setting commented out"
uid=$(getent passwd sechub | cut -d: -f3)
ok $(test -n "$uid" && test "$uid" -lt 1000; echo $?) "the package created the system user sechub ($uid)"
is "$(stat -c %U:%a /var/lib/sechub-tools 2>&1)" "sechub:700" \
    "and its state directory for cron"

n=0
for p in $PROGS; do
	v=$(env -i PATH=/usr/bin:/bin $p --version 2>&1)
	[ "$v" = "$p (sechub-tools) $version" ] || { echo "# $p --version: $v"; n=$((n + 1)); }
done
is "$n" 0 "every installed program says its version"

env -i PATH=/usr/bin:/bin TMPDIR=$TMP sh /usr/share/sechub-tools/examples/demo.sh \
    > "$TMP/demo.out" 2> "$TMP/demo.err"
ok $? "the three flows in dry run (the demo) from the installed paths"
is "$(grep -c '^  would block: .*2001:db8' "$TMP/demo.out")/$(grep -c '^  expired and removed from the store: 24' "$TMP/demo.out")" \
    1/1 "the demo blocks and unblocks what the installed patterns pick"

# --- the installed unit, as written, on a fresh box --------------------------
UNIT=/lib/systemd/system/sechub-prune.service
R=$TMP/root
sandbox "$R" systemd-analyze verify "$UNIT" /lib/systemd/system/sechub-prune.timer \
    > "$TMP/verify.out" 2>&1
is "$?:$(cat "$TMP/verify.out")" "0:" "systemd-analyze verify: the installed units are clean"
level=$(systemd-analyze security --offline=true "$UNIT" 2>/dev/null |
    sed -n 's/.*Overall exposure level for sechub-prune.service: \([0-9.]*\) .*/\1/p')
ok $(awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.0) }'; echo $?) \
    "systemd-analyze security: exposure $level, at most 2.0"
start_fake
start_slack
mkdir -p "$R/etc/sechub-tools"
cat > "$R/etc/sechub-tools/config" <<EOT
[default]
rule_group = blocklist
region = us-east-1
EOT
cat > "$R/etc/sechub-tools/sechub-tools.env" <<EOT
# test only: the stand-ins and fake keys instead of AWS and an instance role
AWS_ENDPOINT_URL_NETWORK_FIREWALL=$NFW_URL
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_EC2_METADATA_DISABLED=true
EOT
printf '%s\n' "$SLACK_WEBHOOK_URL" > "$R/etc/sechub-tools/slack-webhook"
chmod 600 "$R/etc/sechub-tools/slack-webhook"
sandbox "$R" sh -c 'rm -rf /var/lib/sechub-tools && exec "$@"' sh \
    /usr/bin/python3 "$top_srcdir/tests/ship/emulate.py" unit "$UNIT" --uid "$uid" \
    > "$TMP/run.out" 2> "$TMP/run.err"
ok $? "the installed unit's ExecStart runs as the sechub user on a fresh box"
sed 's/^/# /' "$TMP/run.err"
is "$(stat -c %U:%a "$R/var/lib/sechub-tools/blocklist.db" 2>&1)" "sechub:600" \
    "it created the store, the sechub user's"
is "$(invalid)" "" "every request to the firewall was valid"

dpkg --purge sechub-tools >"$TMP/purge.out" 2>&1
ok $? "dpkg --purge removes it"
ok $(test ! -e /usr/bin/sh-match && test ! -e /lib/systemd/system/sechub-prune.service; echo $?) \
    "the programs and units are gone"
ok $(test ! -e /etc/sechub-tools && test ! -e /var/lib/sechub-tools; echo $?) \
    "and the settings and state"
