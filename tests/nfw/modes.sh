#!/bin/sh
# modes.sh: merge, replace and remove against the Network Firewall stand-in;
# no change means no UpdateRuleGroup; only our two rules ever change.
. "$top_srcdir/tests/nfw/fake.sh"
plan 27
start_fake
before=$(others)

# merge: the current set plus the input, aggregated
ips 198.51.100.6 203.0.113.9 > in.jsonl
out=$(nfw-sync --rule-group blocklist "$TMP/in.jsonl" 2>"$TMP/err" < /dev/null)
is "$?" 0 "merge: exit 0"
is "$(blocked 30000 Sources)" "198.51.100.6/31 203.0.113.9/32" \
    "merge: Sources keeps 198.51.100.7 and adds the input, aggregated"
is "$(blocked 30100 Destinations)" "198.51.100.6/31 203.0.113.9/32" \
    "merge: Destinations the same"
is "$out" '{"HostIp":"198.51.100.6","FindingId":"f-198.51.100.6","Blocked":true}
{"HostIp":"203.0.113.9","FindingId":"f-203.0.113.9","Blocked":true}' \
    "merge: each record passed on with Blocked"
is "$(others)" "$before" "merge: other rules, custom actions, description kept"
is "$(calls UpdateRuleGroup)" 1 "merge: one UpdateRuleGroup"
is "$(invalid)" "" "merge: every request valid and signed"
is "$(jq -c 'select(.Op == "UpdateRuleGroup") | .Body.RuleGroup.RulesSource
    .StatelessRulesAndCustomActions.StatelessRules[]
    | select(.Priority == 30000) | .RuleDefinition.Actions' "$NFW_LOG")" \
    '["aws:drop","GuardDutytoFirewall"]' "merge: our rule keeps its custom action"

# the same again: nothing to do, nothing called
out=$(nfw-sync --rule-group blocklist --summary "$TMP/in.jsonl" 2>"$TMP/err")
is "$?" 0 "no change: exit 0"
is "$(calls UpdateRuleGroup)" 1 "no change: UpdateRuleGroup not called"
is "$out" "{\"RuleGroup\":\"$GROUP_ARN\",\"Mode\":\"merge\",\"Added\":0,\"Removed\":0,\"Total\":3,\"Blocks\":2,\"CapacityUsed\":7,\"Capacity\":100,\"Changed\":false,\"DryRun\":false}" \
    "no change: --summary record"

# replace: exactly the input
ips 192.0.2.10 192.0.2.11 2001:db8::7 > r.jsonl
out=$(nfw-sync --rule-group "$GROUP_ARN" --replace --summary "$TMP/r.jsonl")
is "$?" 0 "replace: exit 0"
is "$(blocked 30000 Sources)" "192.0.2.10/31 2001:db8::7/128" \
    "replace: exactly the input (IPv6 as /128)"
is "$(blocked 30100 Destinations)" "192.0.2.10/31 2001:db8::7/128" \
    "replace: Destinations the same"
is "$(echo "$out" | jq -c '[.Added, .Removed, .Total, .Blocks, .Changed]')" \
    '[3,3,3,2,true]' "replace: summary counts addresses and blocks"
is "$(others)" "$before" "replace: other rules kept"

# remove: the current set minus the input
ips 192.0.2.11 198.51.100.99 > rm.jsonl
out=$(nfw-sync --rule-group blocklist --remove "$TMP/rm.jsonl")
is "$?" 0 "remove: exit 0"
is "$(blocked 30000 Sources)" "192.0.2.10/32 2001:db8::7/128" \
    "remove: the address is gone, its neighbour stays"
is "$out" '{"HostIp":"192.0.2.11","FindingId":"f-192.0.2.11","Blocked":false,"Unblocked":true}
{"HostIp":"198.51.100.99","FindingId":"f-198.51.100.99","Blocked":false,"Unblocked":false,"Reason":"not blocked"}' \
    "remove: Unblocked, and a reason when there was nothing to unblock"

# empty set: our rules are removed, never left with an empty list
ips 192.0.2.10 2001:db8::7 | nfw-sync --rule-group blocklist --remove >/dev/null
is "$?" 0 "empty set: exit 0"
is "$(fake_state | jq -c '[.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[].Priority]')" \
    "[10,65000]" "empty set: our two rules removed, the others stay"
is "$(others)" "$before" "empty set: nothing else changed"

# --replace with no input would unblock everything: refused
ips 198.51.100.1 | nfw-sync --rule-group blocklist >/dev/null
n=$(calls UpdateRuleGroup)
nfw-sync --rule-group blocklist --replace < /dev/null > "$TMP/out" 2> "$TMP/err"
is "$?" 3 "replace with empty input: exit 3"
is "$(cat "$TMP/err")" "nfw-sync: --replace with no address to block would unblock everything: refused (use --allow-empty if that is what you want)" \
    "replace with empty input: says why"
is "$(calls UpdateRuleGroup)" "$n" "replace with empty input: group untouched"
nfw-sync --rule-group blocklist --replace --allow-empty < /dev/null > /dev/null
is "$?" 0 "--allow-empty: exit 0"
is "$(blocked 30000 Sources)" "" "--allow-empty: the set is emptied"
