#!/bin/sh
# Throttling storms: Security Hub's GetFindings (LimitExceededException,
# 429) and GuardDuty's ListFindings (TooManyRequestsException) throttled
# again and again: retried as the SDKs do (AWS_MAX_ATTEMPTS, backoff),
# nothing lost or doubled; a storm longer than the retries fails the run,
# naming the API and the region, and leaves the cursor where it was.
. "$top_srcdir/tests/findings/lib.sh"
plan 11

"$top_srcdir/tests/gen-findings" --shape asff --count 450 --seed 5 |
    jq -c '.Region = "us-east-1"' >all.jsonl
printf '{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]}\n' \
    >active.json
jq -r 'select(.RecordState == "ACTIVE") | .Id' all.jsonl | sort >want
start_fake securityhub --findings all.jsonl --regions us-east-1
export AWS_MAX_ATTEMPTS=3

# two of every three calls throttled: each page on its third attempt
fake_control '{"faults":[{"op":"GetFindings","times":2,"period":3}]}'
sh-findings --region us-east-1 --filters active.json --since 30d \
    --state st.json >out1 2>err1
is "$?" 0 "a storm the retries outlast: exit status 0"
is "$(ids out1 Id)" "$(cat want)" "every finding exactly once"
is "$(calls GetFindings)" "$((3 * 5))" \
    "each of the five pages took three attempts, no more"
is "$(jq -r 'select(.Status == 429) | .Error' "$FAKE_LOG" | sort -u)" \
    LimitExceededException "(the stand-in answered 429 LimitExceededException)"

# a storm longer than the retries
fake_control '{"clear_faults":true,"faults":[{"op":"GetFindings","times":1000}]}'
fake_control "{\"put\":{\"asff\":[$(head -1 all.jsonl | jq -c \
    '.Id = "new-1" | .UpdatedAt = "2026-01-06T00:00:00.000Z"')]}}"
cp st.json st.before
: >"$FAKE_LOG"
sh-findings --region us-east-1 --filters active.json --state st.json \
    >out2 2>err2
is "$?" 3 "a storm longer than the retries: exit status 3"
is "$(cat err2)" "sh-findings: us-east-1: Security Hub GetFindings: LimitExceededException: Rate exceeded (gave up after 3 attempts)" \
    "the failure names the API and the region"
is "$(calls GetFindings)" 3 "retries are bounded (AWS_MAX_ATTEMPTS)"
ok "$(cmp -s st.json st.before && echo 0)" "the cursor did not move"
fake_control '{"clear_faults":true}'
sh-findings --region us-east-1 --filters active.json --state st.json >out3
is "$(jq -r .Id out3)" new-1 "after the storm, the next run picks up what it missed"

# GuardDuty: ListFindings throttled
kill "$FAKE_PID"
"$top_srcdir/tests/gen-findings" --shape gd-native --count 120 --seed 6 |
    jq -c '.region = "us-east-1" | .service.archived = false' >gd.jsonl
start_fake guardduty --findings gd.jsonl --regions us-east-1
fake_control '{"faults":[{"op":"ListFindings","times":2,"period":3},
    {"op":"GetFindings","times":1,"period":2}]}'
sh-findings --source guardduty --region us-east-1 --since 30d >gd1 2>gderr
is "$?:$(ids gd1 id)" "0:$(jq -r .id gd.jsonl | sort)" \
    "GuardDuty: a storm of TooManyRequestsException, every finding once"
is "$(jq -r 'select(.Status == 429) | .Error' "$FAKE_LOG" | sort -u)" \
    TooManyRequestsException "(the stand-in answered 429 TooManyRequestsException)"
