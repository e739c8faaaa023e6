#!/bin/sh
# demo.sh: the quick start's demo runs the three flows and says what it
# would block, tell and unblock.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
tmpdir
plan 6
out=$(TMPDIR=$TMP sh "$top_srcdir/share/examples/demo.sh" 2>"$TMP/err")
ok $? "the demo runs"
is "$(cat "$TMP/err")" "" "and says nothing on stderr"
is "$(echo "$out" | grep -c '^  would block: 198.51.100.2/32 198.51.100.13/32 198.51.100.16/32 198.51.100.18/32 198.51.100.29/32 198.51.100.33/32 198.51.100.35/32 $')" 1 \
    "record-ip: the seven addresses it would block"
is "$(echo "$out" | grep -c '7 new in the store')" 1 "record-ip: recorded in the store"
is "$(echo "$out" | grep -c '^  10 HIGH or CRITICAL findings')" 1 "send-findings: what it would tell"
is "$(echo "$out" | grep -c '^  expired and removed from the store: 7; left: 0')" 1 \
    "prune-ip: 31 days later every block has expired"
