#!/bin/sh
# errors.sh: Slack's answers: 429 waits Retry-After, 5xx and timeouts are
# retried with backoff, permanent errors are reported once with Slack's
# reason and exit status 3, and records always pass through.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 26

ips=$SLACK_FIXTURES/ip-blocked.jsonl	# four records, four messages
one=$SLACK_FIXTURES/sh-event.json
display="127.0.0.1:PORT/services/T…/B…/***"
errline() { sed "s/127.0.0.1:[0-9]*/127.0.0.1:PORT/" "$TMP/err"; }

start_slack 429/2
slack-notify <"$one" >"$TMP/out" 2>"$TMP/err"
ok $? "429: exit status 0 once posted"
is "$(slack_q '[e["status"] for e in L]')" "[429, 200]" "429: posted again"
is "$(slack_q 'L[1]["gap"] >= 2.0')" True "429: waited the 2 s of Retry-After"

start_slack 500,503,200
slack-notify <"$one" >"$TMP/out" 2>"$TMP/err"
ok $? "5xx: exit status 0 once posted"
is "$(slack_q '[e["status"] for e in L]')" "[500, 503, 200]" \
    "5xx: retried until posted"
is "$(slack_q 'min(e["gap"] for e in L[1:]) >= 0.99')" True \
    "5xx: retries no faster than one a second"

start_slack 500,500,500,500
slack-notify <"$one" >"$TMP/out" 2>"$TMP/err"
is $? 3 "5xx throughout: exit status 3"
is "$(slack_q 'len(L)')" 3 "5xx throughout: three attempts, then no more"
is "$(errline)" \
    "slack-notify: $display: HTTP 500 rollup_error: message not posted after 3 attempts" \
    "5xx throughout: reported with Slack's reason"

start_slack hang/3
slack-notify --timeout 1s <"$one" >"$TMP/out" 2>"$TMP/err"
ok $? "timeout: exit status 0 once posted"
is "$(slack_q 'len(L)')" 2 "timeout: retried"

for code in 404:no_service 410:channel_is_archived 403:action_prohibited; do
	start_slack "${code%%:*}"
	slack-notify --digest-after 10 <"$ips" >"$TMP/out" 2>"$TMP/err"
	is $? 3 "$code: exit status 3"
	is "$(slack_q 'len(L)')" 1 "$code: nothing more is sent after it"
	is "$(errline)" \
	    "slack-notify: $display: HTTP ${code%%:*} ${code#*:}: webhook unusable, posting nothing more" \
	    "$code: reported once, with Slack's reason"
	cmp -s "$ips" "$TMP/out"
	ok $? "$code: every record passed through"
done

# A refused message (400) concerns that message only.
start_slack 400
slack-notify --digest-after 10 <"$ips" >"$TMP/out" 2>"$TMP/err"
is $? 3 "400: exit status 3"
is "$(slack_q '[e["status"] for e in L]')" "[400, 200, 200, 200]" \
    "400: the other messages are still posted"
is "$(errline)" \
    "slack-notify: $display: HTTP 400 invalid_payload: message refused" \
    "400: reported with Slack's reason"
