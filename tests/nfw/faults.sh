#!/bin/sh
# faults.sh: throttling and 5xx are retried; a missing rule group and a
# service that stays down are reported, and nothing is half-changed.
. "$top_srcdir/tests/nfw/fake.sh"
plan 14
start_fake
export AWS_MAX_ATTEMPTS=3

fake_control '{"faults":[{"op":"DescribeRuleGroup","status":400,"type":"ThrottlingException","message":"Rate exceeded","times":2}]}'
ips 203.0.113.4 | nfw-sync --rule-group blocklist > "$TMP/out" 2> "$TMP/err"
is "$?" 0 "throttled twice: exit 0"
is "$(jq -r 'select(.Op == "DescribeRuleGroup") | .Error // "ok"' "$NFW_LOG" | tr '\n' ' ')" \
    "ThrottlingException ThrottlingException ok " "throttled twice: retried"
is "$(blocked 30000 Sources)" "198.51.100.7/32 203.0.113.4/32" "throttled twice: blocked"

fake_control '{"faults":[{"op":"UpdateRuleGroup","status":500,"type":"InternalServerError","message":"oops","times":1}]}'
ips 203.0.113.5 | nfw-sync --rule-group blocklist > "$TMP/out" 2> "$TMP/err"
is "$?" 0 "one 500 on update: exit 0"
is "$(blocked 30000 Sources)" "198.51.100.7/32 203.0.113.4/31" "one 500 on update: retried and blocked"

n=$(calls UpdateRuleGroup)
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":503,"type":"ServiceUnavailable","message":"down","times":3}]}'
ips 203.0.113.9 | nfw-sync --rule-group blocklist > "$TMP/out" 2> "$TMP/err"
is "$?" 3 "service down: exit 3"
is "$(( $(calls UpdateRuleGroup) - n ))" 3 "service down: AWS_MAX_ATTEMPTS attempts"
grep -q '^nfw-sync: .*UpdateRuleGroup.*ServiceUnavailable' "$TMP/err"
ok "$?" "service down: reported with the operation and the error"
is "$(jq -c '[.Blocked, (.Reason | type)]' "$TMP/out")" '[false,"string"]' \
    "service down: record says not blocked, with a reason"
is "$(blocked 30000 Sources)" "198.51.100.7/32 203.0.113.4/31" "service down: group unchanged"

ips 203.0.113.9 | nfw-sync --rule-group no-such-group > "$TMP/out" 2> "$TMP/err"
is "$?" 3 "no such group: exit 3"
grep -q '^nfw-sync: .*DescribeRuleGroup.*ResourceNotFoundException' "$TMP/err"
ok "$?" "no such group: ResourceNotFoundException reported"

ips 203.0.113.9 | nfw-sync --rule-group no-such-group --summary > "$TMP/out" 2> /dev/null
is "$?" 3 "no such group, --summary: exit 3"
is "$(cat "$TMP/out")" '{"RuleGroup":"no-such-group","Mode":"merge","Changed":false,"DryRun":false,"Error":"Network Firewall DescribeRuleGroup: ResourceNotFoundException: rule group not found"}' \
    "no such group, --summary: the result record carries the error"
