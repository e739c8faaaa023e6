#!/bin/sh
# stand-in.sh: the Network Firewall stand-in refuses what AWS would refuse
# (model violations, bad signatures, stale tokens, duplicate priorities,
# capacity) and accepts a valid request, so the other tests mean something.
. "$top_srcdir/tests/nfw/fake.sh"
start_fake
send() { "$top_srcdir/tests/fakes/nfw_send.py" "$NFW_URL" "$@"; }
validate() { "$top_srcdir/tests/fakes/nfw_validate.py" UpdateRuleGroup "$1" >/dev/null; echo $?; }

token=$(fake_state | jq -r .UpdateToken)
fake_state | jq --arg arn "$GROUP_ARN" '{UpdateToken, RuleGroupArn: $arn,
    RuleGroup, Description: .RuleGroupResponse.Description}' > base.json
R='.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules'

# name ^ jq filter ^ exit status of the offline validator (it knows the model
# and the rule-group rules, not the group's state) ^ the stand-in's error
cat > cases <<CASES
bad CIDR pattern^$R[1].RuleDefinition.MatchAttributes.Sources[0].AddressDefinition = "not-an-ip"^1^InvalidRequestException
bad enum^.Type = "STATELES"^1^InvalidRequestException
bad token pattern^.UpdateToken = "nope"^1^InvalidRequestException
priority above max^$R[1].Priority = 70000^1^InvalidRequestException
priority below min^$R[1].Priority = 0^1^InvalidRequestException
priority as a string^$R[1].Priority = "1"^1^InvalidRequestException
unknown member^$R[1].RuleDefinition.MatchAttributes.Source = []^1^InvalidRequestException
missing token^del(.UpdateToken)^1^InvalidRequestException
description too long^.Description = ("x" * 513)^1^InvalidRequestException
duplicate priority^$R[2].Priority = 30000^1^InvalidRequestException
two standard actions^$R[1].RuleDefinition.Actions = ["aws:drop","aws:pass"]^1^InvalidRequestException
unknown custom action^$R[1].RuleDefinition.Actions = ["aws:drop","Nope"]^1^InvalidRequestException
host bits set^$R[1].RuleDefinition.MatchAttributes.Sources[0].AddressDefinition = "198.51.100.7/24"^1^InvalidRequestException
empty Sources list^$R[1].RuleDefinition.MatchAttributes.Sources = []^1^InvalidRequestException
over capacity^$R[1].RuleDefinition.MatchAttributes.Sources = [range(0; 99) | {AddressDefinition: "203.0.113.\(.)/32"}]^0^InvalidRequestException
stale token^.UpdateToken = "0e8d4c2a-1b3f-4a5e-8c7d-6f5e4d3c2b1a"^0^InvalidTokenException
CASES
plan $(($(wc -l < cases) * 2 + 6))

while IFS='^' read -r name filter vexit want; do
	jq "$filter" base.json > case.json || { echo "Bail out! jq: $filter"; exit 1; }
	is "$(validate case.json)" "$vexit" "$name: the offline validator exits $vexit"
	is "$(send UpdateRuleGroup case.json)" "400 $want" "$name: the stand-in refuses it"
done < cases

is "$(fake_state | jq -r .UpdateToken)" "$token" "nothing was changed by the refused requests"
is "$(send UpdateRuleGroup base.json --unsigned)" \
    "403 MissingAuthenticationTokenException" "an unsigned request is refused"
AWS_SECRET_ACCESS_KEY=wrong-secret send DescribeRuleGroup base.json > out
is "$(cat out)" "403 InvalidSignatureException" "a wrong signature is refused"
is "$(validate base.json)" 0 "the unchanged request is valid"
is "$(send UpdateRuleGroup base.json)" "200 -" "the stand-in accepts it"
test "$(fake_state | jq -r .UpdateToken)" != "$token"
ok "$?" "and rotates the update token"
