# lib.sh: sourced by tests/findings/*.sh: the Security Hub and GuardDuty
# stand-in (tests/fakes/findings_server.py), moto's SQS behind the
# validating proxy (tests/fakes/sqs_proxy.py), fake credentials, and what
# the tests ask of them.
. "$top_srcdir/tests/lib.sh"

/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
	skip_all "python3-botocore not installed (apt-get install python3-botocore)"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

tmpdir
cd "$TMP" || exit 99
FAKE_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYFINDINGSKEY
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL \
    AWS_CA_BUNDLE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_WEB_IDENTITY_TOKEN_FILE \
    AWS_MAX_ATTEMPTS SECHUB_NOW
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$FAKE_SECRET
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
NOW=2026-01-10T00:00:00Z
export SECHUB_NOW=$NOW

# start_fake SERVICE [ARGS...]: securityhub or guardduty, on a free port
start_fake() {
	_svc=$1
	shift
	FAKE_PORT=$(free_port)
	FAKE_LOG=$TMP/requests.$FAKE_PORT.jsonl
	: >"$FAKE_LOG"
	/usr/bin/python3 "$top_srcdir/tests/fakes/findings_server.py" \
	    --service "$_svc" --port "$FAKE_PORT" --log "$FAKE_LOG" \
	    --secret "$FAKE_SECRET" "$@" &
	FAKE_PID=$!
	at_exit "kill $FAKE_PID 2>/dev/null"
	wait_port "$FAKE_PORT" || { echo "Bail out! fake did not start"; exit 1; }
	FAKE_URL=http://127.0.0.1:$FAKE_PORT
	case $_svc in
	securityhub) export AWS_ENDPOINT_URL_SECURITYHUB=$FAKE_URL ;;
	guardduty) export AWS_ENDPOINT_URL_GUARDDUTY=$FAKE_URL ;;
	esac
}

# fake_control JSON: put findings, faults, an aggregator, enabled regions
fake_control() {
	/usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/_control", sys.argv[2].encode()).read()' \
	    "$FAKE_URL" "$1"
}

# calls OP: requests for OP that reached the fake
calls() {
	jq -r --arg op "$1" 'select(.Op == $op) | .Op' "$FAKE_LOG" | wc -l |
	    tr -d ' '
}

# invalid: requests the fake refused as invalid (model or signature)
invalid() {
	jq -c 'select(.Valid == false) | {Op, Problems, Error}' "$FAKE_LOG"
}

# ids FILE KEY: the sorted distinct values of KEY ("Id", "id") in FILE
ids() {
	jq -r --arg k "$2" '.[$k]' "$1" | sort
}

# wait_for COMMAND [SECONDS]: poll until COMMAND succeeds
wait_for() {
	_w=0
	until eval "$1"; do
		_w=$((_w + 1))
		[ $_w -gt $((${2:-20} * 10)) ] && return 1
		sleep 0.1
	done
}

# start_sqs: moto_server (skip_all if absent) behind tests/fakes/sqs_proxy.py
start_sqs() {
	command -v moto_server >/dev/null 2>&1 ||
	    skip_all "moto_server not installed (needed for the SQS tests)"
	MOTO_PORT=$(free_port)
	moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$TMP/moto.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	SQS_PORT=$(free_port)
	FAKE_LOG=$TMP/sqs-requests.jsonl
	: >"$FAKE_LOG"
	/usr/bin/python3 "$top_srcdir/tests/fakes/sqs_proxy.py" \
	    --port "$SQS_PORT" --moto "http://127.0.0.1:$MOTO_PORT" \
	    --log "$FAKE_LOG" --secret "$FAKE_SECRET" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$MOTO_PORT" 30 && wait_port "$SQS_PORT" ||
	    { echo "Bail out! moto or the proxy did not start"; exit 1; }
	FAKE_URL=http://127.0.0.1:$SQS_PORT
	export AWS_ENDPOINT_URL_SQS=$FAKE_URL
}

# sqs OP JSON: one call straight to moto (the test's own, not checked)
sqs() {
	/usr/bin/python3 -c 'import sys, urllib.request
r = urllib.request.Request(sys.argv[1] + "/", data=sys.argv[3].encode(),
    headers={"Content-Type": "application/x-amz-json-1.0",
	     "X-Amz-Target": "AmazonSQS." + sys.argv[2],
	     "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
	     "20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, "
	     "Signature=0"})
sys.stdout.write(urllib.request.urlopen(r).read().decode())' \
	    "http://127.0.0.1:$MOTO_PORT" "$1" "$2"
}

# new_queue NAME VISIBILITY: its URL
new_queue() {
	sqs CreateQueue "{\"QueueName\":\"$1\",\"Attributes\":{\"VisibilityTimeout\":\"$2\"}}" |
	    jq -r .QueueUrl
}

# send QUEUE_URL BODY
send() {
	sqs SendMessage "$(jq -nc --arg q "$1" --arg b "$2" \
	    '{QueueUrl: $q, MessageBody: $b}')" >/dev/null
}

# queued QUEUE_URL: messages visible and in flight, "V+I"
queued() {
	sqs GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"All\"]}" |
	    jq -r '.Attributes | "\(.ApproximateNumberOfMessages)+\(.ApproximateNumberOfMessagesNotVisible)"'
}

# left QUEUE_URL: messages in the queue, visible or in flight
left() {
	queued "$1" | awk -F+ '{ print $1 + $2 }'
}
