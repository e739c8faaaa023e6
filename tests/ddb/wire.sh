#!/bin/sh
# What the DynamoDB store sends, against a scripted endpoint: Scan
# pagination (an empty page with a LastEvaluatedKey included), a prune that
# marks each expired entry pending with a conditional UpdateItem (sparing
# an address seen again) and reads the pending back, forget's conditional
# DeleteItem, and an add that blocks a pending entry anew.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
ddb_env
plan 12
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

# --- prune: a conditional UpdateItem per expired entry --------------------------------
CCF='{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}'
pend() { printf '{"HostIp":{"S":"%s"},"CreatedAt":{"N":"%s"},"LastSeenAt":{"N":"%s"},"RemovedAt":{"N":"%s"},"RemovedReason":{"S":"%s"}}' "$@"; }
answers "$TABLE" \
    "{\"Items\":[$(it 192.0.2.1 1700000000 1700000500),$(it 192.0.2.2 1700000000 1700000600)],\"Count\":2}" \
    "{\"Attributes\":$(pend 192.0.2.1 1700000000 1700000500 1769817600 expired)}" \
    "$CCF" \
    "{\"Items\":[$(pend 192.0.2.1 1700000000 1700000500 1769817600 expired),$(pend 192.0.2.7 1600000000 1600000000 1769000000 manual)],\"Count\":2}" \
    '{"Count":5,"ScannedCount":7}'
python3 - "$TMP/answers.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a[3]["status"] = 400
json.dump(a, open(sys.argv[1], "w"))
PY
ipstore-prune --removed > "$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "prune succeeds; a conditional update that fails is no error"
is "$(sed -n 's/.*"HostIp":"\([^"]*\)".*"RemovedAt":"\([^"]*\)".*/\1 \2/p' "$TMP/out" | tr '\n' ' ')" \
    "192.0.2.1 2026-01-31T00:00:00Z 192.0.2.7 2026-01-21T12:53:20Z " \
    "--removed prints every pending entry as read back: this run's and an earlier one's"
is "$(requests 'h["x-amz-target"].split(".")[1], b.get("FilterExpression") or b.get("ConditionExpression"), b.get("Select")')" \
    "('DescribeTable', None, None)
('Scan', 'attribute_not_exists(#r) AND ((#l < :b OR (attribute_not_exists(#l) AND (#c < :b OR NOT attribute_type(#c, :tn)))) OR #x <= :e)', None)
('UpdateItem', 'attribute_exists(#k) AND attribute_not_exists(#r) AND ((#l < :b OR (attribute_not_exists(#l) AND (#c < :b OR NOT attribute_type(#c, :tn)))) OR #x <= :e)', None)
('UpdateItem', 'attribute_exists(#k) AND attribute_not_exists(#r) AND ((#l < :b OR (attribute_not_exists(#l) AND (#c < :b OR NOT attribute_type(#c, :tn)))) OR #x <= :e)', None)
('Scan', 'attribute_exists(#r)', None)
('Scan', 'attribute_not_exists(#r)', 'COUNT')" \
    "a Scan of the expired active entries, each marked by an UpdateItem that checks it still is (an address seen again meanwhile stays), then the pending read back"
is "$(requests 'b.get("UpdateExpression"), b.get("ExpressionAttributeValues", {}).get(":why"), b.get("ExpressionAttributeValues", {}).get(":now"), b.get("ExpressionAttributeValues", {}).get(":b")' | sed -n 3p)" \
    "('SET #r = :now, #rr = :why', {'S': 'expired'}, {'N': '1769817600'}, {'N': '1767225600'})" \
    "RemovedAt now and the reason, in epoch seconds; the cut-off 720h before"
is "$(grep -c BatchWriteItem "$TMP/ddb.log")" 0 "no unconditional batch: nothing is deleted by a prune"

# --- forget: a DeleteItem only of the entry still pending since then ------------------
answers "$TABLE" "{\"Attributes\":$(pend 192.0.2.1 1700000000 1700000500 1769817600 expired)}" "$CCF"
printf '%s\n' '{"HostIp":"192.0.2.1","RemovedAt":"2026-01-31T00:00:00Z","Blocked":false}' \
    '{"HostIp":"192.0.2.2","Blocked":false}' '{"HostIp":"192.0.2.3","Blocked":true}' |
    ipstore forget > "$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "forget succeeds; an entry no longer pending is no error"
is "$(cat "$TMP/out")" '{"HostIp":"192.0.2.1","RemovedAt":"2026-01-31T00:00:00Z","Blocked":false}
{"HostIp":"192.0.2.2","Blocked":false}
{"HostIp":"192.0.2.3","Blocked":true}' "every record passed on unchanged"
is "$(requests 'h["x-amz-target"].split(".")[1], b.get("ConditionExpression"), b.get("ExpressionAttributeValues")' | sed -n '2,$p')" \
    "('DeleteItem', 'attribute_exists(#k) AND attribute_exists(#r) AND #r >= :rf AND #r < :rb', {':rf': {'N': '1769817600'}, ':rb': {'N': '1769817601'}})
('DeleteItem', 'attribute_exists(#k) AND attribute_exists(#r)', None)" \
    "a conditional DeleteItem per record the firewall no longer blocks: pending (since the record's RemovedAt, when it has one); none for the one still blocked"

# --- add of a pending entry: a new block, won by one writer ---------------------------
answers "$TABLE" "$CCF" "$CCF" "{\"Item\":$(pend 192.0.2.1 1700000000 1700000500 1769817600 expired)}" '{}'
python3 - "$TMP/answers.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a[1]["status"] = a[2]["status"] = 400
json.dump(a, open(sys.argv[1], "w"))
PY
echo '{"HostIp":"192.0.2.1"}' | ipstore add > "$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/out")" '0:{"HostIp":"192.0.2.1","NewIP":true,"CreatedAt":"2026-01-31T00:00:00Z","LastSeenAt":"2026-01-31T00:00:00Z"}' \
    "a pending entry added again is a new block"
is "$(requests 'h["x-amz-target"].split(".")[1], b.get("ConditionExpression"), b.get("ExpressionAttributeValues"), sorted(b.get("Item", {}))' | sed -n '2,$p')" \
    "('PutItem', 'attribute_not_exists(#k)', None, ['CreatedAt', 'HostIp', 'LastSeenAt'])
('UpdateItem', 'attribute_exists(#k) AND attribute_not_exists(#r) AND (attribute_not_exists(#l) OR #l < :now)', {':now': {'N': '1769817600'}}, [])
('GetItem', None, None, [])
('PutItem', '#r = :r', {':r': {'N': '1769817600'}}, ['CreatedAt', 'HostIp', 'LastSeenAt'])" \
    "put if new, else touch if active, else put again over the pending item if it is still pending since what was read"
