#!/bin/sh
# dry-run-calls.sh: a dry run changes nothing: in every mode, with a group
# the rails would clean, with a change too big to fit, the stand-in's
# request log holds DescribeRuleGroup calls and nothing else, and the group
# (rules and update token) is as it was; --describe-file calls nothing.
. "$top_srcdir/tests/nfw/fake.sh"
plan 10

R='.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules'
jq "($R[] | select(.Priority == 30000) | .RuleDefinition.MatchAttributes.Sources) += [{\"AddressDefinition\":\"0.0.0.0/0\"},{\"AddressDefinition\":\"10.0.0.5/32\"}]" \
    "$FIXTURES/nfw/group.json" > dirty.json
start_fake "$TMP/dirty.json"
before=$(fake_state)
ops() { jq -r .Op "$NFW_LOG" | sort | uniq -c | sed 's/^ *//'; }

ips 198.51.100.9 203.0.113.4 > in.jsonl
echo 198.51.100.0/24 > allow.txt
i=0
while [ $i -lt 60 ]; do ips "203.0.113.$((i * 2 + 100))"; i=$((i + 1)); done \
    > many.jsonl
n=0
for args in "" "--replace" "--remove" "--summary" "--replace --allow-empty /dev/null" \
    "--allowlist allow.txt" "many.jsonl"; do
	# shellcheck disable=SC2086
	case "$args" in
	*.jsonl|*/dev/null) nfw-sync -n --rule-group blocklist $args ;;
	*) nfw-sync -n --rule-group blocklist $args in.jsonl ;;
	esac > out 2> err
	n=$((n + 1))
done
is "$(ops)" "$n DescribeRuleGroup" \
    "$n dry runs, merge, replace, remove, emptying, too big: only DescribeRuleGroup reached the stand-in"
is "$(fake_state)" "$before" "the group, its rules and its token are as they were"
is "$(jq -r 'select(.Valid == false) | .Op' "$NFW_LOG")" "" "and those were valid"

# the plan of the last clean run says what it would take out
nfw-sync -n --rule-group blocklist in.jsonl > plan.json 2> err
is "$?" 0 "the dry run that would clean: exit 0"
is "$(jq -c '[.Changed, [.Cleaned[].Block]]' plan.json)" \
    '[true,["0.0.0.0/0","10.0.0.5/32"]]' "it plans the cleaning"
is "$(grep -c 'would be removed from the group' err)" 2 \
    "it says what would be removed"
is "$(ops)" "$((n + 1)) DescribeRuleGroup" "still no other call"
is "$(fake_state)" "$before" "still the group as it was"

# offline, nothing is called at all
: > "$NFW_LOG"
nfw-sync --rule-group blocklist --describe-file dirty.json in.jsonl \
    > plan.json 2> err
is "$?:$(wc -c < "$NFW_LOG" | tr -d ' ')" "0:0" "--describe-file: nothing called"
is "$(jq -r '.UpdateRuleGroup.UpdateToken' plan.json)" \
    "$(echo "$before" | jq -r .UpdateToken)" "--describe-file: the plan is there"
