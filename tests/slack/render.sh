#!/bin/sh
# render.sh: each record kind renders to its golden payload (dry run), every
# payload is within Slack's limits, and records pass through byte for byte.
# SLACK_GOLDEN_UPDATE=1 rewrites the golden files instead of checking them.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
GOLDEN=$top_srcdir/tests/slack/golden

set -- sh-event.json gd-event.json asff.json ocsf.json ip-blocked.jsonl \
    nfw-summary.json prune-summary.json other.json
plan $(($# * 4))
for f in "$@"; do
	name=${f%.*}
	slack-notify --dry-run --group-window 0s --payloads "$TMP/$name.out" \
	    "$SLACK_FIXTURES/$f" >"$TMP/$name.pass" 2>"$TMP/$name.err"
	ok $? "$f: exit status 0"
	if [ -n "${SLACK_GOLDEN_UPDATE:-}" ]; then
		cp "$TMP/$name.out" "$GOLDEN/$name.jsonl"
	fi
	cmp -s "$TMP/$name.out" "$GOLDEN/$name.jsonl"
	ok $? "$f: payloads as in golden/$name.jsonl"
	is "$(check_payloads "$TMP/$name.out")" "" "$f: within Slack's limits"
	cmp -s "$TMP/$name.pass" "$SLACK_FIXTURES/$f"
	ok $? "$f: passed through byte for byte"
done
