#!/bin/sh
# sqs-batch.sh: near-real-time operation without Lambda. An EventBridge rule
# (the pattern of catch-remote-hosts.json or high-critical.json, or both) delivers
# the events to an SQS queue; run this every minute from cron or a systemd
# timer. It drains the queue into a batch file, runs every flow on it, and
# deletes the messages only when the pipeline succeeded: a failed run leaves
# them in the queue, to come back after their visibility timeout (set it
# longer than a run).
#
#   sqs-batch.sh QUEUE_URL [sechub-pipeline options]
set -eu
[ $# -ge 1 ] || { echo "usage: sqs-batch.sh QUEUE_URL [pipeline options]" >&2; exit 2; }
queue=$1
shift
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sechub-sqs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/events.jsonl"
: > "$tmp/receipts"
for _ in $(seq 1 100); do		# at most 1,000 events a run
	aws sqs receive-message --queue-url "$queue" --output json \
	    --max-number-of-messages 10 --wait-time-seconds 1 > "$tmp/batch.json"
	n=$(jq '.Messages // [] | length' "$tmp/batch.json")
	[ "$n" -gt 0 ] || break
	jq -r '.Messages[].Body' "$tmp/batch.json" >> "$tmp/events.jsonl"
	jq -r '.Messages[].ReceiptHandle' "$tmp/batch.json" >> "$tmp/receipts"
done
[ -s "$tmp/events.jsonl" ] || exit 0
"$here/sechub-pipeline" "$@" all "$tmp/events.jsonl"
while read -r handle; do
	aws sqs delete-message --queue-url "$queue" --receipt-handle "$handle"
done < "$tmp/receipts"
