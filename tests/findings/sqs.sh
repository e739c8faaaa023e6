#!/bin/sh
# sh-findings --source sqs:URL against moto's SQS behind the validating
# proxy: events and SNS-wrapped events, batches of 10, delete only after
# delivery, a failing pipeline redelivered and then delivered, poison
# messages into --rejects, visibility extended while a pipeline runs,
# follow mode and SIGTERM.
. "$top_srcdir/tests/findings/lib.sh"
vg_only sh-findings
start_sqs
plan 25

q=$(new_queue findings 1)
"$top_srcdir/tests/gen-findings" --shape event --count 12 --seed 4 >events
i=0
while read -r ev; do
	i=$((i + 1))
	if [ $i -le 2 ]; then	# SNS notifications, raw delivery off
		send "$q" "$(jq -nc --arg m "$ev" '{Type: "Notification",
		    MessageId: "5f2c-\(now)", TopicArn:
		    "arn:aws:sns:us-east-1:123456789012:findings", Message: $m,
		    Timestamp: "2026-01-05T00:00:00.000Z"}')"
	elif [ $i -eq 3 ]; then	# pretty-printed: comes out as one line
		send "$q" "$(printf '%s\n' "$ev" | jq .)"
	else
		send "$q" "$ev"
	fi
done <events

sh-findings --source "sqs:$q" >out1 2>err1
is "$?" 0 "draining the queue exits 0"
is "$(jq -cS . out1 | sort)" "$(jq -cS . events | sort)" \
    "every event once: EventBridge's, SNS-wrapped and pretty-printed alike"
is "$(wc -l <out1 | tr -d ' ')" 12 "one line each"
is "$(queued "$q")" "0+0" "and all were deleted"
is "$(jq -r 'select(.Op == "ReceiveMessage") | .Body.MaxNumberOfMessages' \
    "$FAKE_LOG" | sort -u)" 10 "received in batches of 10"
is "$(jq -r 'select(.Op == "DeleteMessageBatch") | .Body.Entries | length' \
    "$FAKE_LOG" | paste -sd' ' -)" "10 2" "deleted in batches, after each was written"
is "$(jq -c 'select(.Valid == false) | {Op, Problems}' "$FAKE_LOG")" "" \
    "every request valid for the model, every signature good"
sh-extract-ip <out1 >ips1
sh-extract-ip <events >ips2
is "$(sort ips1)" "$(sort ips2)" "sh-findings | sh-extract-ip: the events' remote hosts"

# a failing pipeline: nothing deleted, redelivered, then delivered
head -3 events >three
while read -r ev; do send "$q" "$ev"; done <three
: >"$FAKE_LOG"
sh-findings --source "sqs:$q" --exec 'cat >/dev/null; exit 4' >out2 2>err2
is "$?" 3 "a failing pipeline: exit status 3"
is "$(cat err2)" "sh-findings: --exec: the pipeline exited 4: 3 records left for the next run" \
    "it says so"
is "$(left "$q")" 3 "the batch stays in the queue"
is "$(calls DeleteMessageBatch)" 0 "nothing was deleted"
wait_for '[ "$(queued "$q")" = "3+0" ]' 30
is "$(queued "$q")" "3+0" "after the visibility timeout the batch is back"
sh-findings --source "sqs:$q" --exec 'cat >got' >out3
is "$?" 0 "the next run with a working pipeline exits 0"
is "$(jq -cS . got | sort)" "$(jq -cS . three | sort)" \
    "the pipeline got the redelivered batch"
is "$(queued "$q")" "0+0" "and then it was deleted"

# poison: not JSON, or received more than --max-receives times
send "$q" 'this is not JSON'
sh-findings --source "sqs:$q" >out4 2>err4
is "$?" 1 "a poison message without --rejects: exit status 1"
is "$(left "$q")" 1 "it is left in the queue"
wait_for '[ "$(queued "$q")" = "1+0" ]' 30
sh-findings --source "sqs:$q" --rejects rej >out5 2>err5
is "$(cat rej)" "this is not JSON" "with --rejects it is kept there, byte for byte"
is "$(queued "$q")" "0+0" "and only then deleted"
send "$q" "$(head -1 events)"
sh-findings --source "sqs:$q" --exec 'exit 1' 2>/dev/null
wait_for '[ "$(queued "$q")" = "1+0" ]' 30
: >rej
sh-findings --source "sqs:$q" --rejects rej --max-receives 1 \
    --exec 'cat >got2' 2>err6
is "$?:$(cat got2 2>/dev/null):$(jq -c . rej)" "1::$(head -1 events)" \
    "the second receive of a message that failed once, with --max-receives 1: rejected, not delivered"
is "$(queued "$q")" "0+0" "and deleted"

# the visibility is extended while the pipeline runs
send "$q" "$(sed -n 5p events)"
: >"$FAKE_LOG"
sh-findings --source "sqs:$q" --visibility-timeout 2 \
    --exec 'touch started; sleep 4; cat >slow' &
pid=$!
wait_for '[ -f started ]' 60
sleep 2.5	# past the 2 s visibility timeout the message was received with
is "$(sqs ReceiveMessage "{\"QueueUrl\":\"$q\",\"WaitTimeSeconds\":0}" |
    jq '.Messages // [] | length')" 0 \
    "a message whose pipeline runs past the visibility timeout stays invisible"
wait $pid
is "$?:$(queued "$q"):$(calls ChangeMessageVisibilityBatch | sed 's/^[1-9][0-9]*$/some/')" \
    "0:0+0:some" "the pipeline finished, the message was deleted, the visibility had been extended"

# follow: wait for what comes, stop on SIGTERM
sh-findings -f --source "sqs:$q" --wait 1 >out7 &
pid=$!
send "$q" "$(sed -n 6p events)"
wait_for '[ -s out7 ]' 60
kill -TERM $pid
wait $pid
is "$?:$(jq -cS . out7)" "0:$(sed -n 6p events | jq -cS .)" \
    "follow mode passes on what arrives and stops cleanly on SIGTERM"
