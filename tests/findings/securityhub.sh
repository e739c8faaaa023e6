#!/bin/sh
# sh-findings against the Security Hub stand-in: every page, the built-in
# and the user's filters, the cursor across runs (nothing twice, updates
# once more, late updates inside the overlap), the state file, regions and
# the aggregator, and the output read by sh-extract-ip and sh-match.
. "$top_srcdir/tests/findings/lib.sh"
vg_only sh-findings
plan 25

# 600 findings in us-east-1: six pages
"$top_srcdir/tests/gen-findings" --shape asff --count 600 --seed 1 |
    jq -c '.Region = "us-east-1"' >all.jsonl
start_fake securityhub --findings all.jsonl --regions us-east-1,eu-west-1
printf '{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]}\n' \
    >active.json
jq -r 'select(.RecordState == "ACTIVE") | .Id' all.jsonl | sort >want-active

sh-findings --region us-east-1 --filters active.json --since 30d >out1
is "$?" 0 "a run with --filters exits 0"
is "$(ids out1 Id)" "$(cat want-active)" \
    "every page: each ACTIVE finding exactly once"
is "$(calls GetFindings)" 6 "600 findings came in six GetFindings pages"
is "$(jq -s '[.[] | select(.Op == "GetFindings") | .Body.NextToken != null]
    | map(select(.)) | length' "$FAKE_LOG")" 5 \
    "five of the six asked for the next page with the NextToken"
is "$(invalid)" "" "every request valid for the model, every signature good"
is "$(jq -r 'select(.Op == "GetFindings") | .Body.SortCriteria[0]
    | "\(.Field) \(.SortOrder)"' "$FAKE_LOG" | sort -u)" "UpdatedAt asc" \
    "pages asked for oldest first"
is "$(jq -r '.UpdatedAt' out1 | sort -c && echo sorted)" sorted \
    "the output is in update order"

# the built-in filters: active GuardDuty findings with a remote host
jq -r 'select(.ProductName == "GuardDuty" and .RecordState == "ACTIVE" and
    (.ProductFields["aws/guardduty/service/action/actionType"] // "" |
     IN("NETWORK_CONNECTION", "PORT_PROBE", "AWS_API_CALL",
	"KUBERNETES_API_CALL", "RDS_LOGIN_ATTEMPT"))) | .Id' all.jsonl |
    sort >want-builtin
sh-findings --region us-east-1 --since 30d >out2
is "$(ids out2 Id)" "$(cat want-builtin)" \
    "the built-in filters pass exactly the active GuardDuty findings with a remote host"
ok "$(test "$(wc -l <want-builtin)" -gt 20 && echo 0)" \
    "(and there are some: $(wc -l <want-builtin | tr -d ' '))"

# the output is what sh-extract-ip reads
sh-extract-ip <out2 >ips-from-findings
jq -c --rawfile want want-builtin 'select(.Id as $i | $want | split("\n") |
    index($i))' all.jsonl | sh-extract-ip >ips-direct
ok "$(test -s ips-from-findings && echo 0)" \
    "sh-findings | sh-extract-ip finds remote hosts ($(wc -l <ips-from-findings | tr -d ' '))"
is "$(sort ips-from-findings)" "$(sort ips-direct)" \
    "the same records as sh-extract-ip on the findings themselves"
# -e: events that the patterns (catch-remote-hosts.json) match
sh-findings --region us-east-1 --since 30d -e >events
is "$(sh-match -p "$top_srcdir/share/examples/patterns/catch-remote-hosts.json" \
    events | jq -r '.detail.findings[0].Id' | sort)" \
    "$(sh-extract-ip --allow-private <out2 | jq -r .FindingId | sort -u)" \
    "-e wraps findings as events: catch-remote-hosts.json matches each that names a remote host"

# the cursor: a second run sees nothing new
: >"$FAKE_LOG"
sh-findings --region us-east-1 --filters active.json --since 30d \
    --state st.json >run1
sh-findings --region us-east-1 --filters active.json --since 30d \
    --state st.json >run2
is "$(ids run1 Id)" "$(cat want-active)" "with --state, the first run passes everything on"
is "$(wc -l <run2 | tr -d ' ')" 0 "a cursor run twice sees nothing new"
is "$(stat -c %a st.json)" 600 "the state file is mode 0600"
is "$(jq -r '.Regions["us-east-1"].UpdatedAt' st.json)" \
    "$(jq -r 'select(.RecordState == "ACTIVE") | .UpdatedAt' all.jsonl |
       sort | tail -1)" "the cursor is the newest UpdatedAt passed on"
is "$(jq -r 'select(.Op == "GetFindings") | .Body.Filters.UpdatedAt[0].Start' \
    "$FAKE_LOG" | tail -1)" \
    "$(/usr/bin/python3 -c 'import datetime, sys
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ")
print((t - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' \
       "$(jq -r '.Regions["us-east-1"].UpdatedAt' st.json)")" \
    "the next run starts the overlap (10m) before the cursor"

# a finding updated between runs is seen once more, exactly
id=$(sed -n 5p want-active)
jq -c --arg id "$id" 'select(.Id == $id) | .UpdatedAt = "2026-01-05T09:00:00.000Z"
    | .Workflow.Status = "NOTIFIED"' all.jsonl >updated
fake_control "{\"put\":{\"asff\":[$(cat updated)]}}"
sh-findings --region us-east-1 --filters active.json --state st.json >run3
sh-findings --region us-east-1 --filters active.json --state st.json >run4
is "$(jq -r '"\(.Id) \(.UpdatedAt) \(.Workflow.Status)"' run3)" \
    "$id 2026-01-05T09:00:00.000Z NOTIFIED" \
    "an updated finding is seen once more, with its update"
is "$(wc -l <run4 | tr -d ' ')" 0 "and only once"

# a late update inside the overlap window is seen; one older is not
id2=$(sed -n 6p want-active)
id3=$(sed -n 7p want-active)
late=$(jq -c --arg a "$id2" --arg b "$id3" '
    (select(.Id == $a) | .UpdatedAt = "2026-01-05T08:55:00.000Z"),
    (select(.Id == $b) | .UpdatedAt = "2026-01-05T08:40:00.000Z")' all.jsonl |
    paste -sd, -)
fake_control "{\"put\":{\"asff\":[$late]}}"
sh-findings --region us-east-1 --filters active.json --state st.json >run5
is "$(jq -r .Id run5)" "$id2" \
    "an update arriving late, inside the overlap, is seen; one older than the overlap is not"

# every region where Security Hub is enabled, or the aggregator's home
jq -c 'select(.RecordState == "ACTIVE") | .Region = "eu-west-1"
    | .Id = "eu-" + .Id' all.jsonl | head -3 >eu.jsonl
fake_control "{\"put\":{\"asff\":[$(paste -sd, eu.jsonl)]}}"
: >"$FAKE_LOG"
sh-findings --filters active.json --since 30d >allreg
is "$(jq -r .Region allreg | sort | uniq -c | tr -s ' ')" \
    " 3 eu-west-1
 $(wc -l <want-active | tr -d ' ') us-east-1" \
    "without --region: every region where Security Hub is enabled"
is "$(jq -r 'select(.Op == "GetFindings" and .Status == 200) | .Region' \
    "$FAKE_LOG" | sort -u | paste -sd' ' -)" "eu-west-1 us-east-1" \
    "(regions where it is not enabled answered InvalidAccessException and were skipped)"
fake_control '{"aggregator":{"arn":"arn:aws:securityhub:eu-west-1:111122223333:finding-aggregator/abcd-1234","home":"eu-west-1"}}'
: >"$FAKE_LOG"
sh-findings --filters active.json --since 30d >agg
is "$(jq -r 'select(.Op == "GetFindings") | .Region' "$FAKE_LOG" | sort -u)" \
    eu-west-1 "with a finding aggregator: only its home region is asked"
is "$(wc -l <agg | tr -d ' ')" "$(($(wc -l <want-active) + 3))" \
    "and it returns the findings of every linked region"
is "$(invalid)" "" "still every request valid and signed"
