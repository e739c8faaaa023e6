#!/bin/sh
# -f/--follow: keep polling, pass on what is added while it runs, and on
# SIGTERM finish the batch in hand, save the cursor and exit 0.
. "$top_srcdir/tests/findings/lib.sh"
plan 7

"$top_srcdir/tests/gen-findings" --shape asff --count 300 --seed 8 |
    jq -c '.Region = "us-east-1" | .RecordState = "ACTIVE"' >all.jsonl
printf '{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]}\n' \
    >active.json
start_fake securityhub --findings all.jsonl --regions us-east-1

sh-findings -f --interval 1s --region us-east-1 --filters active.json \
    --since 30d --state st.json >out &
pid=$!
wait_for '[ "$(wc -l <out)" -eq 300 ]' 60
is "$(wc -l <out | tr -d ' ')" 300 "follow mode passes on what is there"
new=$(head -1 all.jsonl | jq -c '.Id = "added-while-following"
    | .UpdatedAt = "2026-01-07T00:00:00.000Z"')
fake_control "{\"put\":{\"asff\":[$new]}}"
wait_for 'grep -q added-while-following out' 60
is "$(tail -1 out | jq -r .Id)" added-while-following \
    "and picks up a finding added while it runs"
kill -TERM $pid
wait $pid
is "$?" 0 "SIGTERM: exit status 0"
is "$(jq -r '.Regions["us-east-1"].UpdatedAt' st.json)" \
    2026-01-07T00:00:00.000Z "the cursor was saved"

# SIGTERM while a batch is in the pipeline: the batch is finished, the
# cursor moved past it, and the rest is left for the next run
rm -f st.json
sh-findings -f --interval 1s --region us-east-1 --filters active.json \
    --since 30d --state st.json --exec 'touch started; sleep 1; cat' >out2 &
pid=$!
wait_for '[ -f started ]' 60
kill -TERM $pid
wait $pid
is "$?:$(wc -l <out2 | tr -d ' ')" "0:100" \
    "SIGTERM during a batch: the batch (a page) is delivered, exit 0"
sh-findings --region us-east-1 --filters active.json --since 30d \
    --state st.json >out3
is "$(sort -u out2 out3 | wc -l | tr -d ' ')" 301 \
    "the next run passes on the rest: nothing lost"
is "$(cat out2 out3 | wc -l | tr -d ' ')" 301 "nothing twice"
