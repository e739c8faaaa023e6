#!/bin/sh
# The DynamoDB store against dynalite: table creation, the item format
# (read back with the AWS CLI), items in the original automation's format,
# refresh and TTL semantics, mirroring both ways, and the errors a user
# meets first.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
need_dynalite
[ -x /usr/bin/aws ] || skip_all "awscli not installed (Debian package awscli)"
ddb_env
start_dynalite
SECHUB_STORE=dynamodb:blocklist
export SECHUB_STORE
plan 27

# item IP: the stored item as the AWS CLI sees it, attributes sorted
item() {
	ddb_cli get-item --table-name blocklist --key "{\"HostIp\":{\"S\":\"$1\"}}" |
	    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("Item"), sort_keys=True))'
}

# --- init -------------------------------------------------------------------
ipstore init 2>"$TMP/err"
is "$?" 0 "init creates the table"
is "$(cat "$TMP/err")" "" \
    "and leaves DynamoDB's TTL off, silently (tests/ddb/ttl.sh: it would forget blocked addresses)"
is "$(ddb_cli describe-table --table-name blocklist | python3 -c 'import json,sys; t=json.load(sys.stdin)["Table"]; print(t["TableStatus"], t["KeySchema"], t["AttributeDefinitions"], t["BillingModeSummary"]["BillingMode"])')" \
    "ACTIVE [{'AttributeName': 'HostIp', 'KeyType': 'HASH'}] [{'AttributeName': 'HostIp', 'AttributeType': 'S'}] PAY_PER_REQUEST" \
    "HostIp string hash key, on demand, active"
ipstore init 2>/dev/null
is "$?" 0 "init again is harmless"

ipstore -s dynamodb:nosuch count >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:ipstore: table nosuch not found in us-east-1 (ipstore init creates it)" \
    "a missing table is named, with the way out"
ipstore -s 'dynamodb:no/such' count >/dev/null 2>"$TMP/err"
is "$?" 2 "a table name DynamoDB would refuse is a usage error"

# --- the item format -----------------------------------------------------------
printf '%s\n' '{"HostIp":"198.51.100.7","FindingId":"arn:aws:guardduty:us-west-2:123456789012:detector/d/finding/f","FindingType":"Recon:EC2/PortProbeUnprotectedPort","Severity":"HIGH","AccountId":"123456789012","Region":"us-west-2","Timestamp":"2026-01-04T23:59:00.000Z","Direction":"INBOUND"}' |
    SECHUB_NOW=2026-01-05T00:00:00Z ipstore add > "$TMP/out"
is "$(cat "$TMP/out")" '{"HostIp":"198.51.100.7","FindingId":"arn:aws:guardduty:us-west-2:123456789012:detector/d/finding/f","FindingType":"Recon:EC2/PortProbeUnprotectedPort","Severity":"HIGH","AccountId":"123456789012","Region":"us-west-2","Timestamp":"2026-01-04T23:59:00.000Z","Direction":"INBOUND","NewIP":true,"CreatedAt":"2026-01-05T00:00:00Z","LastSeenAt":"2026-01-05T00:00:00Z"}' \
    "add: the record, NewIP and its times"
is "$(item 198.51.100.7)" '{"AccountId": {"S": "123456789012"}, "CreatedAt": {"N": "1767571200"}, "FindingId": {"S": "arn:aws:guardduty:us-west-2:123456789012:detector/d/finding/f"}, "FindingType": {"S": "Recon:EC2/PortProbeUnprotectedPort"}, "HostIp": {"S": "198.51.100.7"}, "LastSeenAt": {"N": "1767571200"}, "Record": {"S": "{\"Timestamp\":\"2026-01-04T23:59:00.000Z\",\"Direction\":\"INBOUND\"}"}, "Region": {"S": "us-west-2"}, "Severity": {"S": "HIGH"}, "Timestamp": {"S": "2026-01-04T23:59:00.000Z"}}' \
    "the item: the original automation's attributes and types, plus ours"

printf '%s\n' '{"HostIp":"198.51.100.7","FindingId":"second","Severity":"LOW"}' |
    SECHUB_NOW=2026-01-09T12:00:00Z ipstore add > "$TMP/out"
is "$(cat "$TMP/out")" '{"HostIp":"198.51.100.7","FindingId":"second","Severity":"LOW","NewIP":false,"CreatedAt":"2026-01-05T00:00:00Z","LastSeenAt":"2026-01-09T12:00:00Z"}' \
    "seen again: NewIP false, CreatedAt kept, LastSeenAt moved"
is "$(ipstore get 198.51.100.7)" '{"HostIp":"198.51.100.7","CreatedAt":"2026-01-05T00:00:00Z","LastSeenAt":"2026-01-09T12:00:00Z","FindingId":"arn:aws:guardduty:us-west-2:123456789012:detector/d/finding/f","FindingType":"Recon:EC2/PortProbeUnprotectedPort","Severity":"HIGH","AccountId":"123456789012","Region":"us-west-2","Timestamp":"2026-01-04T23:59:00.000Z","Direction":"INBOUND"}' \
    "the finding that first blocked it is kept"
printf '{"HostIp":"198.51.100.7"}\n' | SECHUB_NOW=2026-01-08T00:00:00Z ipstore add | grep -q '"LastSeenAt":"2026-01-09T12:00:00Z"'
ok $? "an add with an earlier clock never moves LastSeenAt back"

# TTLs: ExpiresAt is a Number of epoch seconds, raised, never shortened
printf '{"HostIp":"203.0.113.9"}\n' | SECHUB_NOW=2026-01-05T00:00:00Z ipstore add --ttl 1h >/dev/null
is "$(item 203.0.113.9 | python3 -c 'import json,sys; print(json.load(sys.stdin)["ExpiresAt"])')" "{'N': '1767574800'}" \
    "--ttl writes ExpiresAt, a Number of epoch seconds"
printf '{"HostIp":"203.0.113.9"}\n' | SECHUB_NOW=2026-01-05T00:10:00Z ipstore add --ttl 2h | grep -q '"ExpiresAt":"2026-01-05T02:10:00Z"'
ok $? "a later TTL raises it"
printf '{"HostIp":"203.0.113.9"}\n' | SECHUB_NOW=2026-01-05T00:20:00Z ipstore add --ttl 1m | grep -q '"ExpiresAt":"2026-01-05T02:10:00Z"'
ok $? "a shorter one does not lower it"

# --- the AWS CLI reads what ipstore wrote ------------------------------------------
is "$(ddb_cli scan --table-name blocklist | python3 -c 'import json,sys; print(" ".join(sorted(i["HostIp"]["S"] for i in json.load(sys.stdin)["Items"])))')" \
    "198.51.100.7 203.0.113.9" "aws dynamodb scan sees every entry"
is "$(ipstore count)" 2 "count agrees"

# --- items the original automation wrote -----------------------------------------
ddb_cli put-item --table-name blocklist --item '{"HostIp":{"S":"192.0.2.44"},"Timestamp":{"S":"2025-10-01T08:00:00Z"},"CreatedAt":{"N":"1759305600"},"FindingId":{"S":"f-old"},"AccountId":{"S":"111122223333"},"Region":{"S":"us-west-2"}}' >/dev/null
ddb_cli put-item --table-name blocklist --item '{"HostIp":{"S":"192.0.2.45"},"Timestamp":{"S":"2026-01-08T08:00:00Z"},"CreatedAt":{"N":"1767859200"},"FindingId":{"S":"f-new"},"AccountId":{"S":"111122223333"},"Region":{"S":"us-west-2"}}' >/dev/null
is "$(ipstore get 192.0.2.44)" '{"HostIp":"192.0.2.44","CreatedAt":"2025-10-01T08:00:00Z","LastSeenAt":"2025-10-01T08:00:00Z","FindingId":"f-old","AccountId":"111122223333","Region":"us-west-2","Timestamp":"2025-10-01T08:00:00Z"}' \
    "an original item reads with LastSeenAt = CreatedAt"
is "$(SECHUB_NOW=2026-01-10T00:00:00Z ipstore list --older-than 720h | sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p')" \
    "192.0.2.44" "and ages by its CreatedAt"
out=$(printf '{"HostIp":"192.0.2.45"}\n' | SECHUB_NOW=2026-01-09T00:00:00Z ipstore add)
is "$out" '{"HostIp":"192.0.2.45","NewIP":false,"CreatedAt":"2026-01-08T08:00:00Z","LastSeenAt":"2026-01-09T00:00:00Z"}' \
    "an original item seen again: not new, CreatedAt kept, LastSeenAt added"
is "$(item 192.0.2.45 | python3 -c 'import json,sys; i=json.load(sys.stdin); print(i["CreatedAt"], i["LastSeenAt"], i["Timestamp"], i["FindingId"])')" \
    "{'N': '1767859200'} {'N': '1767916800'} {'S': '2026-01-08T08:00:00Z'} {'S': 'f-new'}" \
    "the item keeps its original attributes"
out=$(SECHUB_NOW=2026-01-10T00:00:00Z ipstore-prune --removed | sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p' | tr '\n' ' ')
is "$out" "192.0.2.44 203.0.113.9 " \
    "ipstore-prune unblocks the original item past 720h, and one past its TTL"

# --- mirror both ways -------------------------------------------------------------
printf '%s\n' '{"HostIp":"192.0.2.1","FindingId":"laptop"}' '{"HostIp":"198.51.100.7"}' |
    SECHUB_NOW=2026-01-01T00:00:00Z ipstore -s "sqlite:$TMP/laptop.db" add >/dev/null
ipstore mirror --from "sqlite:$TMP/laptop.db" --to dynamodb:blocklist > "$TMP/m1"
is "$(cat "$TMP/m1")" '{"HostIp":"192.0.2.1","CreatedAt":"2026-01-01T00:00:00Z","LastSeenAt":"2026-01-01T00:00:00Z","FindingId":"laptop","NewIP":true}
{"HostIp":"198.51.100.7","CreatedAt":"2026-01-01T00:00:00Z","LastSeenAt":"2026-01-09T12:00:00Z","FindingId":"arn:aws:guardduty:us-west-2:123456789012:detector/d/finding/f","FindingType":"Recon:EC2/PortProbeUnprotectedPort","Severity":"HIGH","AccountId":"123456789012","Region":"us-west-2","Timestamp":"2026-01-04T23:59:00.000Z","Direction":"INBOUND","NewIP":false}' \
    "SQLite to DynamoDB: new entries put, known ones widened (CreatedAt earlier) and printed as DynamoDB holds them"
ipstore mirror --from "sqlite:$TMP/laptop.db" --to dynamodb:blocklist > "$TMP/m2"
is "$(grep -c '"NewIP":false' "$TMP/m2")" 2 "mirroring again changes nothing"
ipstore mirror --from dynamodb:blocklist --to "sqlite:$TMP/copy.db" >/dev/null
is "$(ipstore -s "sqlite:$TMP/copy.db" list)" "$(ipstore list)" \
    "DynamoDB to a local SQLite mirror: the same entries, byte for byte"

# --- rm ---------------------------------------------------------------------------
ipstore rm 192.0.2.1 192.0.2.250 > "$TMP/rm" 2>&1
is "$(ipstore count)" 2 "rm removes what is there"
ipstore get 192.0.2.1 >/dev/null 2>&1
is "$?" 1 "and get no longer finds it"

# --- a record string holding NUL comes back whole (as from SQLite) -----------------
printf '%s\n' '{"HostIp":"192.0.2.77","Note":"a\u0000b","Port":22}' | ipstore add >/dev/null
is "$(ipstore get 192.0.2.77 | sed 's/"CreatedAt.*LastSeenAt":"[^"]*",//')" \
    '{"HostIp":"192.0.2.77","Note":"a\u0000b","Port":22}' \
    "a record string holding \\u0000 is read back, not the record dropped"
