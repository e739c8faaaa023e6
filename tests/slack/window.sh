#!/bin/sh
# window.sh: records arriving within --group-window are grouped (and folded
# into a digest past --digest-after); a later record makes a message of its
# own; records pass through at once, not when the window closes.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 6

ip() {
	printf '{"HostIp":"%s","FindingType":"UnauthorizedAccess:EC2/SSHBruteForce","Severity":"MEDIUM","NewIP":true,"Blocked":true}\n' "$1"
}
start_slack
# Each line out is stamped with the (monotonic) time it left slack-notify.
# The window opens when the first record comes through (slack-notify may be
# slow to start, under valgrind for one): wait for it before the rest.
: >"$TMP/out"
first_out() {
	i=0
	while [ ! -s "$TMP/out" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
{ ip 203.0.113.1; first_out; sleep 1; ip 203.0.113.2; sleep 4;
    ip 203.0.113.3; } |
    slack-notify --group-window 2s --digest-after 1 2>"$TMP/err" |
    /usr/bin/python3 -c '
import sys, time
for l in sys.stdin:
    print(time.monotonic(), l, end="", flush=True)' >"$TMP/out"
is "$(slack_q 'len(L)')" 2 "two messages"
is "$(slack_q 'P[0]["text"]')" \
    ":no_entry: 2 IPs blocked: 203.0.113.1, 203.0.113.2" \
    "the two records within the window: one digest"
is "$(slack_q 'P[1]["text"]')" \
    ":no_entry: Blocked 203.0.113.3 (UnauthorizedAccess:EC2/SSHBruteForce, MEDIUM)" \
    "the record after the window: a message of its own"
# Times (monotonic) each record came through, and the posts arrived.
t1=$(awk 'NR == 1 { print $1 }' "$TMP/out")
t2=$(awk 'NR == 2 { print $1 }' "$TMP/out")
t3=$(awk 'NR == 3 { print $1 }' "$TMP/out")
is "$(slack_q "$t1 < L[0]['t'] and $t2 < L[0]['t']")" True \
    "the window held the first record until the second came (1 s later)"
is "$(slack_q "L[0]['t'] - $t2 < 3")" True "and closed soon after (2 s in all)"
is "$(slack_q "L[1]['t'] - $t3 < 1.5")" True \
    "at the end of the input, the last message did not wait for a window"
