#!/bin/sh
# aws_call's standard retries against a scripted endpoint: 5xx, throttling,
# dropped connections and bad checksums are retried up to AWS_MAX_ATTEMPTS;
# validation, auth and conditional failures never; errors read from __type
# and message/Message.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
aws_clean_env
plan 28
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret-FAKE \
    AWS_REGION=us-east-1

start_fake ddb script "$TMP/answers.json"
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$FAKE_PORT
export AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$FAKE_PORT

# answer STATUS-AND-BODY...: the endpoint's answers, in turn
answer() { printf '%s\n' "$1" > "$TMP/answers.json"; : > "$TMP/ddb.log"; }
ddb_error() {
	printf '{"status": %s, "body": "{\\"__type\\":\\"com.amazonaws.dynamodb.v20120810#%s\\",\\"message\\":\\"%s\\"}"}' "$1" "$2" "$3"
}
call() { probe call "$@" >"$TMP/out" 2>"$TMP/err"; }

answer '[{"status": 500, "body": "{}"}, {"status": 503, "body": ""}, {"status": 200, "body": "{\"TableNames\":[]}"}]'
probe -v call dynamodb ListTables '{}' >"$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/out")" '0:{"TableNames":[]}' "500 then 503 then success"
is "$(count_requests ddb)" 3 "three attempts"
is "$(grep -c 'retrying in' "$TMP/err")" 2 "each retry is traced"

answer '[{"status": 500, "body": "oops"}]'
call dynamodb ListTables '{}'
is "$?" 3 "a server that keeps failing: runtime failure"
is "$(count_requests ddb)" 3 "after AWS_MAX_ATTEMPTS (default 3) attempts"
is "$(tail -1 "$TMP/err")" "awsprobe: DynamoDB ListTables: HTTP 500 (gave up after 3 attempts)" \
    "the message says how many"

answer "[$(ddb_error 400 ThrottlingException 'Rate of requests exceeds the allowed throughput.'), {\"status\": 200, \"body\": \"{}\"}]"
call dynamodb PutItem '{"TableName":"t"}'
is "$?:$(count_requests ddb)" "0:2" "ThrottlingException is retried"

answer "[$(ddb_error 400 ProvisionedThroughputExceededException 'too fast')]"
AWS_MAX_ATTEMPTS=5 call dynamodb PutItem '{"TableName":"t"}'
is "$?:$(count_requests ddb)" "3:5" "AWS_MAX_ATTEMPTS=5: five attempts"
is "$(tail -1 "$TMP/err")" "awsprobe: DynamoDB PutItem: ProvisionedThroughputExceededException: too fast (gave up after 5 attempts)" \
    "the last error is reported"

answer "[$(ddb_error 400 ThrottlingException 'slow down')]"
AWS_MAX_ATTEMPTS=1 call dynamodb PutItem '{"TableName":"t"}'
is "$?:$(count_requests ddb)" "3:1" "AWS_MAX_ATTEMPTS=1: no retry"

answer "[$(ddb_error 400 ValidationException 'One or more parameter values were invalid')]"
call dynamodb PutItem '{"TableName":"t"}'
is "$?:$(count_requests ddb)" "3:1" "ValidationException is never retried"
is "$(cat "$TMP/err")" "awsprobe: DynamoDB PutItem: ValidationException: One or more parameter values were invalid" \
    "and reported as service operation: code: message"

answer "[$(ddb_error 400 ConditionalCheckFailedException 'The conditional request failed')]"
call dynamodb PutItem '{"TableName":"t"}'
is "$?:$(count_requests ddb)" "3:1" "ConditionalCheckFailedException is not retried"
is "$(cat "$TMP/err")" "awsprobe: DynamoDB PutItem: ConditionalCheckFailedException: The conditional request failed" \
    "its message"

answer '[{"status": 400, "body": "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\",\"message\":\"The security token included in the request is invalid.\"}"}]'
call dynamodb ListTables '{}'
is "$?:$(count_requests ddb)" "3:1" "auth errors are not retried"

answer '[{"status": 403, "body": "{\"__type\":\"AccessDeniedException:http://internal.amazon.com/coral/\",\"Message\":\"User is not authorized\"}"}]'
call network-firewall DescribeRuleGroup '{}'
is "$(cat "$TMP/err")" "awsprobe: Network Firewall DescribeRuleGroup: AccessDeniedException: User is not authorized" \
    "__type without namespace, cut at ':', and a capitalised Message"
is "$(count_requests ddb)" 1 "AccessDenied is not retried"

answer '[{"status": 400, "body": "{\"__type\":\"LimitExceededException\",\"Message\":\"quota\"}"}]'
call network-firewall UpdateRuleGroup '{}'
is "$(count_requests ddb)" 1 "Network Firewall LimitExceededException (a quota) is not retried"
answer "[$(ddb_error 400 LimitExceededException 'Too many tables being created'), {\"status\": 200, \"body\": \"{}\"}]"
call dynamodb CreateTable '{}'
is "$?:$(count_requests ddb)" "0:2" "DynamoDB LimitExceededException (control plane) is"

answer '[{"close": true}, {"status": 200, "body": "{}"}]'
call dynamodb ListTables '{}'
is "$?:$(count_requests ddb)" "0:2" "a dropped connection is retried"

crc=$(python3 -c 'import zlib; print(zlib.crc32(b"{\"Count\":1}"))')
answer "[{\"status\": 200, \"body\": \"{\\\"Count\\\":1}\", \"headers\": {\"x-amz-crc32\": \"12345\"}}, {\"status\": 200, \"body\": \"{\\\"Count\\\":1}\", \"headers\": {\"x-amz-crc32\": \"$crc\"}}]"
call dynamodb Scan '{}'
is "$?:$(count_requests ddb):$(cat "$TMP/out")" '0:2:{"Count":1}' "a DynamoDB answer whose x-amz-crc32 does not match is retried"

answer '[{"status": 200, "body": "not json"}]'
call dynamodb ListTables '{}'
is "$?:$(cat "$TMP/err")" "3:awsprobe: DynamoDB ListTables: HTTP 200: response is not a JSON object" \
    "a malformed success is an error, not a crash"

answer '[{"status": 200, "body": ""}]'
call dynamodb UpdateTimeToLive '{}'
is "$?:$(cat "$TMP/out")" "0:{}" "an empty success body is an empty object"

# what went on the wire
answer '[{"status": 200, "body": "{}"}]'
call dynamodb DescribeTable '{"TableName": "blocklist"}'
is "$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); h={k.lower():v for k,v in r["headers"].items()}; print(r["method"], r["path"], h["x-amz-target"], h["content-type"], h["accept-encoding"], r["body"])' "$TMP/ddb.log")" \
    'POST / DynamoDB_20120810.DescribeTable application/x-amz-json-1.0 identity {"TableName":"blocklist"}' \
    "DynamoDB: awsJson1_0 POST with X-Amz-Target"
call network-firewall DescribeRuleGroup '{"RuleGroupName": "blocklist", "Type": "STATELESS"}'
is "$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readlines()[-1]); h={k.lower():v for k,v in r["headers"].items()}; print(h["x-amz-target"], h["authorization"].split("/")[2:4])' "$TMP/ddb.log")" \
    "NetworkFirewall_20201112.DescribeRuleGroup ['us-east-1', 'network-firewall']" \
    "Network Firewall: its target prefix and signing name"

# expired session credentials are fetched again once
cat > "$TMP/helper" <<EOF2
#!/bin/sh
echo x >> "$TMP/helper.runs"
printf '{"Version": 1, "AccessKeyId": "AKIDRUN%s", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2999-01-01T00:00:00Z"}\n' \$(wc -l < "$TMP/helper.runs")
EOF2
chmod +x "$TMP/helper"
printf '[profile proc]\ncredential_process = %s\n' "$TMP/helper" > "$TMP/config"
answer '[{"status": 400, "body": "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\",\"message\":\"The security token included in the request is expired\"}"}, {"status": 200, "body": "{}"}]'
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$top_builddir/tests/aws/awsprobe" -p proc call dynamodb ListTables '{}' >"$TMP/out" 2>"$TMP/err"
is "$?:$(count_requests ddb):$(wc -l < "$TMP/helper.runs" | tr -d ' ')" "0:2:2" \
    "ExpiredTokenException: credentials refreshed, call made again"
grep -q 'Credential=AKIDRUN2/' "$TMP/ddb.log"
ok $? "with the new credentials"

# a malformed endpoint is a configuration error
AWS_ENDPOINT_URL_DYNAMODB=ftp://127.0.0.1/ probe call dynamodb ListTables '{}' >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: DynamoDB ListTables: endpoint ftp://127.0.0.1/: not an http or https URL" \
    "an endpoint that is not http(s) is refused before any request"
