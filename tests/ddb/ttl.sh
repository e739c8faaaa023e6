#!/bin/sh
# DynamoDB's own TTL never deletes an entry the firewall may still block:
# ipstore init leaves it off on ExpiresAt, and turns it off on a table an
# earlier release set up with it. Against moto's DynamoDB (moto_server),
# which keeps the TTL setting but never deletes; the deletion DynamoDB
# would do is played here by reap (below), as the DynamoDB Developer Guide
# describes it: an item whose TTL attribute is a Number of epoch seconds
# in the past (by at most five years) is deleted, whatever it holds.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
ddb_env
start_moto
export SECHUB_STORE=dynamodb:blocklist
plan 12

ttl() {
	probe call dynamodb DescribeTimeToLive '{"TableName":"blocklist"}' |
	    python3 -c 'import json,sys; d=json.load(sys.stdin)["TimeToLiveDescription"]
print(d.get("TimeToLiveStatus"), d.get("AttributeName", "-"))'
}
set_ttl() {
	probe call dynamodb UpdateTimeToLive "{\"TableName\":\"blocklist\",\"TimeToLiveSpecification\":{\"Enabled\":$1,\"AttributeName\":\"$2\"}}" >/dev/null
}
# reap NOW: what DynamoDB's TTL would delete at NOW (epoch seconds), given
# the table's TTL setting; prints the addresses deleted
reap() {
	set -- "$1" $(ttl)
	[ "$2" = ENABLED ] || return 0
	probe call dynamodb Scan '{"TableName":"blocklist"}' |
	    python3 -c 'import json,sys
now, attr = int(sys.argv[1]), sys.argv[2]
for it in json.load(sys.stdin)["Items"]:
    n = it.get(attr, {}).get("N")
    if n is not None and now - 5 * 365 * 86400 <= float(n) <= now:
        print(it["HostIp"]["S"])' "$1" "$3" |
	    while read -r ip; do
		probe call dynamodb DeleteItem "{\"TableName\":\"blocklist\",\"Key\":{\"HostIp\":{\"S\":\"$ip\"}}}" >/dev/null
		echo "$ip"
	    done
}

ipstore init 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "init succeeds without a notice"
is "$(ttl)" "DISABLED -" "DynamoDB's TTL is left off"

# an entry with its own TTL, expired and unblocked: pending, the firewall
# still blocks it until nfw-sync --remove says otherwise
printf '{"HostIp":"192.0.2.7"}\n' | SECHUB_NOW=2026-01-05T00:00:00Z ipstore add --ttl 1d >/dev/null
is "$(probe call dynamodb GetItem '{"TableName":"blocklist","Key":{"HostIp":{"S":"192.0.2.7"}}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["Item"]["ExpiresAt"])')" \
    "{'N': '1767657600'}" "add --ttl writes ExpiresAt as epoch seconds"
printf '{"HostIp":"192.0.2.7"}\n' | SECHUB_NOW=2026-01-05T00:00:00Z ipstore add | grep -q '"NewIP":false'
ok $? "a second add knows it (conditional put, moto's error shape)"
is "$(reap 1767744000)" "" "a day past its ExpiresAt, DynamoDB's TTL deletes nothing"
SECHUB_NOW=2026-01-07T00:00:00Z ipstore-prune >/dev/null
is "$(ipstore count --removed)" 1 "ipstore-prune unblocks it: pending"
is "$(ipstore list --removed | sed -n 's/.*"HostIp":"\([^"]*\)".*/\1/p')" 192.0.2.7 \
    "the pending entry is still there for ipstore forget"

# a table an earlier release initialised: TTL on ExpiresAt
set_ttl true ExpiresAt
is "$(ttl)" "ENABLED ExpiresAt" "(a table with TTL on ExpiresAt, as an earlier init left it)"
ipstore init 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:ipstore: dynamodb:blocklist: turned DynamoDB's TTL on ExpiresAt off (an earlier release turned it on): it would delete entries a firewall may still block; ipstore-prune unblocks them instead" \
    "init turns it off, and says so"
is "$(ttl):$(reap 1767744000)" "DISABLED ExpiresAt:" \
    "off: the pending entry is not deleted behind the firewall's back"

# TTL on someone else's attribute: left alone, named
set_ttl true PurgeAt
ipstore init 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:ipstore: dynamodb:blocklist: table blocklist has DynamoDB's TTL on PurgeAt: DynamoDB deletes an item once its PurgeAt has passed, unblocked by a firewall or not (this store never writes PurgeAt)" \
    "TTL on another attribute is left as it is, with a warning"
is "$(ttl)" "ENABLED PurgeAt" "and left on"
