#!/bin/sh
# Requests aws_call really sent, checked by an independent SigV4
# implementation (Debian's python3-botocore) recomputing each signature
# from what the server received.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
aws_clean_env
/usr/bin/python3 -c 'import botocore.auth' 2>/dev/null ||
    skip_all "python3-botocore (Debian) not installed"
plan 9

SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$SECRET \
    AWS_REGION=eu-central-1
printf '[{"status": 200, "body": "{}"}]' > "$TMP/answers.json"
start_fake srv script "$TMP/answers.json"
export AWS_ENDPOINT_URL=http://127.0.0.1:$FAKE_PORT

probe call dynamodb PutItem '{"TableName":"blocklist","Item":{"HostIp":{"S":"198.51.100.7"},"Note":{"S":"ünïcode \" & / + ="}}}' >/dev/null
AWS_SESSION_TOKEN='FQoGZXIvYXdzEXAMPLE/+=' probe call dynamodb Scan '{"TableName":"blocklist"}' >/dev/null
probe call network-firewall DescribeRuleGroup '{"RuleGroupName":"blocklist","Type":"STATELESS"}' >/dev/null
AWS_ENDPOINT_URL=http://127.0.0.1:$FAKE_PORT/some/./prefix/ probe call dynamodb ListTables '{}' >/dev/null
is "$(count_requests srv)" 4 "four requests reached the server"

/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" "$TMP/srv.log" "$SECRET" > "$TMP/verdict"
is "$?" 0 "botocore agrees with every signature"
is "$(sed -n 1p "$TMP/verdict")" "match content-type;host;x-amz-date;x-amz-target" \
    "a DynamoDB call signs what the CLI signs"
is "$(sed -n 2p "$TMP/verdict")" "match content-type;host;x-amz-date;x-amz-security-token;x-amz-target" \
    "with a session token, the token is signed too"
is "$(sed -n 3p "$TMP/verdict")" "match content-type;host;x-amz-date;x-amz-target" \
    "Network Firewall"
is "$(sed -n 4p "$TMP/verdict")" "match content-type;host;x-amz-date;x-amz-target" \
    "an endpoint with a path"

host=$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print({k.lower():v for k,v in r["headers"].items()}["host"])' "$TMP/srv.log")
is "$host" "127.0.0.1:$FAKE_PORT" "the Host header carries the non-default port"

# the check itself is not a rubber stamp: a wrong secret must differ
/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" "$TMP/srv.log" "not-the-secret" > /dev/null
is "$?" 1 "botocore with another secret disagrees"
grep -q -- "$SECRET" "$TMP/srv.log"
is "$?" 1 "the secret key never went over the wire"
