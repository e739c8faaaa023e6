#!/bin/sh
# demo.sh: the quick start's demo runs the three flows and says what it
# would block, tell and unblock.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
tmpdir
plan 7
out=$(TMPDIR=$TMP sh "$top_srcdir/share/examples/demo.sh" 2>"$TMP/err")
ok $? "the demo runs"
is "$(cat "$TMP/err")" "" "and says nothing on stderr"
# every action type that names a remote host, IPv4 and IPv6 (the original
# rule, IPv4 network connections only, would block 7 of these 24)
is "$(echo "$out" | grep -c '^  would block: 198.51.100.2/32 198.51.100.6/32 198.51.100.13/32 198.51.100.16/32 198.51.100.18/32 198.51.100.25/32 198.51.100.27/32 198.51.100.29/32 198.51.100.31/32 198.51.100.33/32 198.51.100.35/32 198.51.100.38/31 198.51.100.43/32 198.51.100.44/31 198.51.100.46/32 198.51.100.48/32 203.0.113.195/32 2001:db8:101::8/128 2001:db8:102::9/128 2001:db8:103::a/128 2001:db8:104::b/128 2001:db8:a86c:2::1305/128 $')" 1 \
    "record-ip: the 24 addresses it would block, in 22 blocks"
is "$(echo "$out" | grep -c '24 new in the store')" 1 "record-ip: recorded in the store"
is "$(echo "$out" | grep -c '^  10 events with HIGH or CRITICAL findings')" 1 "send-findings: the events it chose"
# the events carry an INFORMATIONAL finding too: --severity keeps it untold
is "$(echo "$out" | grep -A1 '^  10 events with' | tail -n 1)" \
    "  :rotating_light: 12 findings: 3 CRITICAL, 9 HIGH" \
    "send-findings: it tells the HIGH and CRITICAL findings, no other"
is "$(echo "$out" | grep -c '^  expired and removed from the store: 24; left: 0')" 1 \
    "prune-ip: 31 days later every block has expired"
