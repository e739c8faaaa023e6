#!/bin/sh
# capacity.sh: the capacity a group needs is computed before calling; blocks
# are aggregated exactly; what does not fit changes nothing and says why.
. "$top_srcdir/tests/nfw/fake.sh"
plan 15
start_fake "$FIXTURES/nfw/group-small.json"

# 5 scattered hosts: 2 rules x 5 blocks + 2 = 12 > 10
ips 192.0.2.1 192.0.2.3 192.0.2.5 192.0.2.7 192.0.2.9 > in.jsonl
nfw-sync --rule-group small "$TMP/in.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?" 3 "too big: exit 3"
is "$(cat "$TMP/err")" "nfw-sync: small: capacity exceeded: 2 rules x 5 blocks + 2 for other rules = 12, more than the group's capacity 10 (room for 4 blocks, 1 too many): nothing changed; prune addresses or recreate the rule group with a capacity of at least 12" \
    "too big: message gives the numbers, the room, and the capacity that would do"
is "$(calls UpdateRuleGroup)" 0 "too big: UpdateRuleGroup not called"
is "$(fake_state | jq -c '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules | map(.Priority)')" \
    "[100]" "too big: group unchanged"
is "$(jq -r '.Blocked' "$TMP/out" | sort -u)" false "too big: records say not blocked"
nfw-sync --rule-group small --summary "$TMP/in.jsonl" > "$TMP/out" 2> /dev/null
is "$(jq -c 'del(.Error)' "$TMP/out")" '{"RuleGroup":"arn:aws:network-firewall:us-east-1:111122223333:stateless-rulegroup/small","Mode":"merge","Added":0,"Removed":0,"Total":0,"Blocks":5,"CapacityUsed":12,"Capacity":10,"Changed":false,"DryRun":false}' \
    "too big, --summary: nothing added, the capacity it would need"

# 64 adjacent hosts are one /26: 2 x 1 + 2 = 4 fits
i=0; : > "$TMP/adj.jsonl"
while [ $i -lt 64 ]; do ips "198.51.100.$i" >> "$TMP/adj.jsonl"; i=$((i + 1)); done
out=$(nfw-sync --rule-group small --summary "$TMP/adj.jsonl" 2> "$TMP/err")
is "$?" 0 "aggregated: exit 0"
is "$(blocked 30000 Sources) | $(blocked 30100 Destinations)" \
    "198.51.100.0/26 | 198.51.100.0/26" "aggregated: one exact block per rule"
is "$(echo "$out" | jq -c '[.Total, .Blocks, .CapacityUsed, .Capacity]')" \
    "[64,1,4,10]" "aggregated: summary shows the capacity used"
is "$(fake_state | jq .RuleGroupResponse.ConsumedCapacity)" 4 \
    "aggregated: the service agrees on the capacity"
is "$(invalid)" "" "every request valid and signed"

# past the largest group: 15,000 scattered hosts need 2 x 15000 + 2 = 30002,
# more than any group holds; planned offline against a group of 30,000
jq '.RuleGroupResponse.Capacity = 30000 | .UpdateToken = "t-1"' \
    "$FIXTURES/nfw/group-small.json" \
    > max.json
awk 'BEGIN { for (i = 0; i < 15000; i++)
	printf "{\"HostIp\":\"11.%d.%d.1\"}\n", i / 128, i % 128 * 2 }' \
    > max.jsonl
: > "$NFW_LOG"
nfw-sync --rule-group small --replace --summary --describe-file max.json \
    max.jsonl > out 2> err
is "$?" 3 "past any group: exit 3"
is "$(cat err)" "nfw-sync: small: capacity exceeded: 2 rules x 15000 blocks + 2 for other rules = 30002, more than the group's capacity 30000 (room for 14999 blocks, 1 too many): nothing changed; prune addresses: no rule group holds more than 30000, room for 14999 blocks beside the other rules" \
    "past any group: says no group is large enough, and how many blocks fit"
is "$(jq -c '[.Blocks, .CapacityUsed, .Capacity, .UpdateRuleGroup,
    (.Error | startswith("small: capacity exceeded"))]' out)" \
    "[15000,30002,30000,null,true]" \
    "past any group: the plan has the numbers and the error, no request"
sed '$d' max.jsonl | nfw-sync --rule-group small --replace --summary \
    --describe-file max.json > out 2> err
is "$?:$(cat err):$(jq -c '[.Blocks, .CapacityUsed]' out)" "0::[14999,30000]" \
    "one host fewer fits exactly"
