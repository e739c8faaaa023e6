#!/bin/sh
# sh-findings against the GuardDuty stand-in: ListDetectors, ListFindings
# pages on updatedAt, GetFindings in batches of 50, native findings out in
# update order, the CLI's --finding-criteria, the cursor, and the output
# read by sh-extract-ip.
. "$top_srcdir/tests/findings/lib.sh"
vg_only sh-findings
plan 13

"$top_srcdir/tests/gen-findings" --shape gd-native --count 400 --seed 2 |
    jq -c '.region = "eu-west-1"
	| if (.id | test("^[0-7]")) then .service.archived = true else . end' \
    >all.jsonl
start_fake guardduty --findings all.jsonl --regions eu-west-1
jq -r 'select(.service.archived != true) | .id' all.jsonl | sort >want

sh-findings --source guardduty --region eu-west-1 --since 30d >out1
is "$?" 0 "a GuardDuty run exits 0"
is "$(ids out1 id)" "$(cat want)" \
    "every page: each unarchived finding exactly once"
n=$(wc -l <want | tr -d ' ')
is "$(calls ListFindings)" "$(((n + 49) / 50))" "ListFindings in pages of 50"
is "$(jq -r 'select(.Op == "GetFindings") | .Body.findingIds | length' \
    "$FAKE_LOG" | sort -n | tail -1)" 50 "GetFindings in batches of at most 50"
is "$(jq -r 'select(.Op == "ListFindings") | .Body.findingCriteria.criterion.updatedAt.greaterThanOrEqual' \
    "$FAKE_LOG" | sort -u)" \
    "$((($(date -u -d "$NOW" +%s) - 30 * 86400) * 1000))" \
    "the first run asks for updatedAt >= now - --since, in epoch milliseconds"
is "$(jq -r '.updatedAt' out1 | sort -c && echo sorted)" sorted \
    "the findings come out in update order (GetFindings promises none)"
is "$(invalid)" "" "every request valid for the model, every signature good"

# native findings: what sh-extract-ip reads
sh-extract-ip <out1 >ips1
jq -c 'select(.service.archived != true)' all.jsonl | sh-extract-ip >ips2
is "$(sort ips1)" "$(sort ips2)" \
    "sh-findings | sh-extract-ip: the records of the findings themselves"

# --filters takes the CLI's --finding-criteria (Criterion, Eq, Gte, ...)
cat >crit.json <<'EOF'
{"Criterion": {"service.archived": {"Eq": ["false"]},
	       "severity": {"GreaterThanOrEqual": 7}}}
EOF
: >"$FAKE_LOG"
sh-findings --source guardduty --region eu-west-1 --since 30d \
    --filters crit.json >out2
is "$(jq -c 'select(.Op == "ListFindings") | .Body.findingCriteria.criterion
    | del(.updatedAt)' "$FAKE_LOG" | sort -u)" \
    '{"service.archived":{"eq":["false"]},"severity":{"greaterThanOrEqual":7}}' \
    "the CLI's criteria go out in the wire's names"
is "$(invalid)" "" "and the model takes them"

# the cursor, and a finding updated between runs
sh-findings --source guardduty --region eu-west-1 --since 30d \
    --state st.json >run1
sh-findings --source guardduty --region eu-west-1 --state st.json >run2
is "$(wc -l <run2 | tr -d ' ')" 0 "a cursor run twice sees nothing new"
id=$(sed -n 3p want)
fake_control "{\"put\":{\"gd\":[$(jq -c --arg id "$id" 'select(.id == $id)
    | .updatedAt = "2026-01-06T00:00:00.000Z" | .service.count = 999' \
    all.jsonl)]}}"
sh-findings --source guardduty --region eu-west-1 --state st.json >run3
sh-findings --source guardduty --region eu-west-1 --state st.json >run4
is "$(jq -r '"\(.id) \(.service.count)"' run3)" "$id 999" \
    "an updated finding is seen once more"
is "$(wc -l <run4 | tr -d ' ')" 0 "and only once"
