#!/bin/sh
# post.sh: messages reach the webhook as the golden payloads, JSON with the
# right content type, at most one a second, and records still pass through.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 8

start_slack
cat "$SLACK_FIXTURES/sh-event.json" "$SLACK_FIXTURES/ip-blocked.jsonl" \
    "$SLACK_FIXTURES/nfw-summary.json" >"$TMP/in"
slack-notify --group-window 0s <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
ok $? "exit status 0"
cmp -s "$TMP/in" "$TMP/out"
ok $? "records passed through byte for byte"
is "$(cat "$TMP/err")" "" "nothing on stderr"
is "$(slack_q 'len(L)')" 6 "six messages posted (a finding, 4 IPs, a summary)"
is "$(slack_q '[e["status"] for e in L if e["errors"] or not e["path_ok"] or e["content_type"] != "application/json"]')" \
    "[]" "every request valid, JSON, to the webhook's path"
cat "$top_srcdir/tests/slack/golden/sh-event.jsonl" \
    "$top_srcdir/tests/slack/golden/ip-blocked.jsonl" \
    "$top_srcdir/tests/slack/golden/nfw-summary.jsonl" >"$TMP/want"
slack_q '"\n".join(e["body"] for e in L)' >"$TMP/got"
cmp -s "$TMP/want" "$TMP/got"
ok $? "bodies are the golden payloads, in input order"
is "$(slack_q 'min(e["gap"] for e in L[1:]) >= 0.99')" True \
    "at least a second between posts"
is "$(slack_q 'max(e["gap"] for e in L[1:]) < 3')" True \
    "and not needlessly slower"
