#!/bin/sh
# ipstore init enables TTL on ExpiresAt where the service has TTL: moto's
# DynamoDB (moto_server), where this machine has it; dynalite has none
# (tests/ddb/store.sh checks the notice given then).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
ddb_env
start_moto
export SECHUB_STORE=dynamodb:blocklist
plan 5

ipstore init 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "init succeeds without a notice"
is "$(probe call dynamodb DescribeTimeToLive '{"TableName":"blocklist"}')" \
    '{"TimeToLiveDescription":{"AttributeName":"ExpiresAt","TimeToLiveStatus":"ENABLED"}}' \
    "TTL is enabled on ExpiresAt"
ipstore init 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "init again leaves TTL as it is"
printf '{"HostIp":"192.0.2.7"}\n' | SECHUB_NOW=2026-01-05T00:00:00Z ipstore add --ttl 1d >/dev/null
is "$(probe call dynamodb GetItem '{"TableName":"blocklist","Key":{"HostIp":{"S":"192.0.2.7"}}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["Item"]["ExpiresAt"])')" \
    "{'N': '1767657600'}" "add --ttl writes the TTL attribute as epoch seconds"
printf '{"HostIp":"192.0.2.7"}\n' | ipstore add | grep -q '"NewIP":false'
ok $? "a second add knows it (conditional put, moto's error shape)"
