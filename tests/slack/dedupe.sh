#!/bin/sh
# dedupe.sh: the same finding (Id and UpdatedAt) is posted once per run, and
# once across runs with --state within --dedupe-window; an update (a new
# UpdatedAt) is news; a message that failed is not remembered as posted.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 12

ev=$SLACK_FIXTURES/sh-event.json
sed -e 's/"UpdatedAt":"2021-01-05T01:15:01.549Z"/"UpdatedAt":"2021-01-06T00:00:00Z"/' \
    -e 's/"LastObservedAt":"2021-01-05T01:15:01.549Z"/"LastObservedAt":"2021-01-06T00:00:00Z"/' \
    "$ev" >"$TMP/updated"
cat "$ev" "$ev" "$TMP/updated" "$ev" >"$TMP/in"

start_slack
slack-notify --digest-after 10 <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
ok $? "within a run: exit status 0"
cmp -s "$TMP/in" "$TMP/out"
ok $? "within a run: duplicates still pass through"
is "$(slack_q 'len(L)')" 2 "within a run: posted once, plus once for the update"
is "$(slack_q '[p["blocks"][1]["fields"][7]["text"] for p in P]')" \
    '["*Last seen*\n2021-01-05T01:15:01Z", "*Last seen*\n2021-01-06T00:00:00Z"]' \
    "the two posts are the finding and its update"

st=$TMP/state.db
start_slack
SECHUB_NOW=2026-01-05T00:00:00Z slack-notify --state "$st" <"$ev" >/dev/null
ok $? "across runs: first run posts"
is "$(stat -c %a "$st")" 600 "the state file is private (0600)"
SECHUB_NOW=2026-01-05T10:00:00Z slack-notify --state "$st" <"$ev" >/dev/null
ok $? "across runs: second run exits 0"
is "$(slack_q 'len(L)')" 1 "across runs: the second run posted nothing"
SECHUB_NOW=2026-01-05T10:00:00Z slack-notify --state "$st" \
    --dedupe-window 5h <"$ev" >/dev/null
is "$(slack_q 'len(L)')" 2 "past --dedupe-window it is posted again"

# A message Slack did not take is not remembered.
st2=$TMP/state2.db
start_slack 500,500,500
slack-notify --state "$st2" <"$ev" >/dev/null 2>"$TMP/err"
is $? 3 "delivery failed: exit status 3"
start_slack
slack-notify --state "$st2" <"$ev" >/dev/null 2>"$TMP/err"
ok $? "next run: exit status 0"
is "$(slack_q 'len(L)')" 1 "next run: the finding that failed is posted"
