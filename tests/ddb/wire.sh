#!/bin/sh
# What the DynamoDB store sends, against a scripted endpoint: Scan
# pagination (an empty page with a LastEvaluatedKey included), prune by
# CreatedAt in BatchWriteItem batches of 25 with UnprocessedItems sent
# again, and the guarded DeleteItem that spares an address seen again.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
ddb_env
plan 13
start_fake ddb script "$TMP/answers.json"
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$FAKE_PORT
export SECHUB_STORE=dynamodb:blocklist SECHUB_NOW=2026-01-31T00:00:00Z

# requests FIELD: a Python expression over each logged request r (its
# headers h, its JSON body b), one line per request
requests() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); h = {k.lower(): v for k, v in r["headers"].items()}
    b = json.loads(r["body"] or "{}"); print(eval(sys.argv[2]))' "$TMP/ddb.log" "$1"
}
# answers JSON...: the endpoint's answers, in turn (JSON bodies, status 200)
answers() {
	python3 -c 'import json,sys; print(json.dumps([{"status": 200, "body": a} for a in sys.argv[1:]]))' "$@" > "$TMP/answers.json"
	: > "$TMP/ddb.log"
}
TABLE='{"Table":{"TableName":"blocklist","TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"HostIp","KeyType":"HASH"}]}}'
it() { printf '{"HostIp":{"S":"%s"},"CreatedAt":{"N":"%s"},"LastSeenAt":{"N":"%s"}}' "$1" "$2" "${3:-$2}"; }

# --- pagination -----------------------------------------------------------------
answers "$TABLE" \
    "{\"Items\":[$(it 192.0.2.9 1767225600)],\"Count\":1,\"LastEvaluatedKey\":{\"HostIp\":{\"S\":\"192.0.2.9\"}}}" \
    '{"Items":[],"Count":0,"ScannedCount":7,"LastEvaluatedKey":{"HostIp":{"S":"192.0.2.50"}}}' \
    "{\"Items\":[$(it 192.0.2.1 1767225600)],\"Count\":1}"
ipstore list > "$TMP/out"
is "$(sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p' "$TMP/out" | tr '\n' ' ')" "192.0.2.1 192.0.2.9 " \
    "every page read (an empty one too), entries in address order"
is "$(requests 'h["x-amz-target"].split(".")[1], b.get("ExclusiveStartKey"), b.get("ConsistentRead")')" \
    "('DescribeTable', None, None)
('Scan', None, True)
('Scan', {'HostIp': {'S': '192.0.2.9'}}, True)
('Scan', {'HostIp': {'S': '192.0.2.50'}}, True)" \
    "DescribeTable once, then consistent Scans from each LastEvaluatedKey"

# --- prune by CreatedAt: BatchWriteItem ---------------------------------------------
items=$(i=0; while [ $i -lt 30 ]; do [ $i -gt 0 ] && printf ','; it "198.51.100.$i" 1700000000; i=$((i + 1)); done)
answers "$TABLE" "{\"Items\":[$items],\"Count\":30}" \
    '{"UnprocessedItems":{"blocklist":[{"DeleteRequest":{"Key":{"HostIp":{"S":"198.51.100.3"}}}}]}}' \
    '{"UnprocessedItems":{}}' '{"UnprocessedItems":{}}'
ipstore-prune --by created --removed > "$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "prune --by created succeeds"
is "$(wc -l < "$TMP/out" | tr -d ' ')" 30 "and reports the 30 removed"
is "$(requests 'h["x-amz-target"].split(".")[1], len(b.get("RequestItems", {}).get("blocklist", [])) or b.get("FilterExpression")')" \
    "('DescribeTable', None)
('Scan', '(#c < :b OR #x <= :e)')
('BatchWriteItem', 25)
('BatchWriteItem', 1)
('BatchWriteItem', 5)
('Scan', None)" \
    "a Scan filtered on CreatedAt or TTL, batches of 25, the unprocessed one sent again, a Scan of what stays"
is "$(requests 'b["RequestItems"]["blocklist"][0]["DeleteRequest"]["Key"]["HostIp"]["S"] if "RequestItems" in b else ""' | sed -n 4p)" \
    "198.51.100.3" "the resent batch holds exactly what was unprocessed"
is "$(requests 'b.get("ExpressionAttributeValues")' | sed -n 2p)" "{':b': {'N': '1767225600'}, ':e': {'N': '1769817600'}}" \
    "the cut-off is 720h before now, expiry now, in epoch seconds"

answers "$TABLE" "{\"Items\":[$(it 198.51.100.1 1700000000)],\"Count\":1}" \
    '{"UnprocessedItems":{"blocklist":[{"DeleteRequest":{"Key":{"HostIp":{"S":"198.51.100.1"}}}}]}}'
AWS_MAX_ATTEMPTS=1 ipstore-prune --by created --removed > "$TMP/out" 2>"$TMP/err"
is "$?" 3 "deletes that stay unprocessed are an error in the end"
is "$(cat "$TMP/out" "$TMP/err")" "ipstore-prune: dynamodb:blocklist: BatchWriteItem: 1 deletes still unprocessed after 10 attempts" \
    "saying so, and reporting nothing as removed"

# --- prune by LastSeenAt: guarded DeleteItem ------------------------------------------
answers "$TABLE" \
    "{\"Items\":[$(it 192.0.2.1 1700000000 1700000500),$(it 192.0.2.2 1700000000 1700000600)],\"Count\":2}" \
    "{\"Attributes\":$(it 192.0.2.1 1700000000 1700000500)}" \
    '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}'
python3 - "$TMP/answers.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a[3]["status"] = 400
a.append({"status": 200, "body": '{"Items":[],"Count":0}'})
json.dump(a, open(sys.argv[1], "w"))
PY
ipstore-prune --removed > "$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "a conditional delete that fails is no error"
is "$(sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p' "$TMP/out")" "192.0.2.1" \
    "only the entry still as scanned is reported removed"
is "$(requests 'h["x-amz-target"].split(".")[1], b.get("ConditionExpression"), b.get("ExpressionAttributeValues")' | sed -n 3,4p)" \
    "('DeleteItem', '#l = :ol', {':ol': {'N': '1700000500'}})
('DeleteItem', '#l = :ol', {':ol': {'N': '1700000600'}})" \
    "each DeleteItem is guarded by the LastSeenAt the scan saw"
is "$(requests 'b.get("FilterExpression")' | sed -n 2p)" \
    "((#l < :b OR (attribute_not_exists(#l) AND #c < :b)) OR #x <= :e)" \
    "the scan ages by LastSeenAt, CreatedAt where an item has none, or TTL"
