#!/bin/sh
# stand-in-groups.sh: the Network Firewall stand-in holds several groups in
# several regions and accounts: a request sees only the groups of the
# region it is signed for and of the account its key belongs to (a key the
# STS stand-in issues for a role belongs to the role's account), each group
# keeps its own update token, and faults can hit one group only.
. "$top_srcdir/tests/nfw/fake.sh"
plan 22

A=444455556666 B=777788889999
{
	printf '{"Groups": ['
	group_answer blocklist eu-west-1 $A; printf ','
	group_answer blocklist us-east-1 $B; printf ','
	group_answer blocklist-2 eu-west-1 $A
	printf ']}\n'
} > groups.json
ARN_A=arn:aws:network-firewall:eu-west-1:$A:stateless-rulegroup/blocklist
ARN_B=arn:aws:network-firewall:us-east-1:$B:stateless-rulegroup/blocklist
ARN_A2=arn:aws:network-firewall:eu-west-1:$A:stateless-rulegroup/blocklist-2
start_fake groups.json --keys "AKIDBASE=BaseSecretFAKE" --account 111122223333 \
    --role arn:aws:iam::$A:role/fw-a --role arn:aws:iam::$B:role/fw-b

# as KEY SECRET TOKEN REGION OP BODY: send a request signed so; prints
# "STATUS ERROR-TYPE ARN-REACHED"
as() {
	printf '%s\n' "$6" > req.json
	st=$(AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_SESSION_TOKEN=$3 \
	    AWS_REGION=$4 "$top_srcdir/tests/fakes/nfw_send.py" "$NFW_URL" "$5" req.json)
	echo "$st $(tail -n 1 "$NFW_LOG" | jq -r '.RuleGroupArn // "-"')"
}
byname='{"RuleGroupName":"blocklist","Type":"STATELESS"}'
fwa() { as ASIAFWA 'FWA-secret&FAKE' FWA-token-1-FAKE "$@"; }
fwb() { as ASIAFWB 'FWB-secret&FAKE' FWB-token-1-FAKE "$@"; }

is "$(fwa eu-west-1 DescribeRuleGroup "$byname")" "200 - $ARN_A" \
    "role fw-a's key in eu-west-1: its account's group of that name"
is "$(fwa us-east-1 DescribeRuleGroup "$byname")" "400 ResourceNotFoundException -" \
    "the same key in us-east-1: the group of that name there is another account's"
is "$(fwb us-east-1 DescribeRuleGroup "$byname")" "200 - $ARN_B" \
    "role fw-b's key in us-east-1: its own"
is "$(fwb eu-west-1 DescribeRuleGroup "{\"RuleGroupArn\":\"$ARN_A\"}")" \
    "400 ResourceNotFoundException -" "another account's group by its ARN: not found"
is "$(fwa us-east-1 DescribeRuleGroup "{\"RuleGroupArn\":\"$ARN_A\"}")" \
    "400 ResourceNotFoundException -" "a group by its ARN, signed for another region: not found"
is "$(fwa eu-west-1 DescribeRuleGroup "{\"RuleGroupArn\":\"$ARN_A2\"}")" "200 - $ARN_A2" \
    "a second group of the account and region, by ARN"
is "$(as AKIDBASE BaseSecretFAKE '' eu-west-1 DescribeRuleGroup "$byname")" \
    "400 ResourceNotFoundException -" "the base key's account (--account) holds no group"
is "$(as ASIAFWA 'wrong-secret' FWA-token-1-FAKE eu-west-1 DescribeRuleGroup "$byname")" \
    "403 InvalidSignatureException -" "a role's key signed with another secret: refused"
is "$(as ASIAFWA 'FWA-secret&FAKE' '' eu-west-1 DescribeRuleGroup "$byname")" \
    "403 UnrecognizedClientException -" "a role's temporary key without its session token: refused"
is "$(as AKIDNOPE whatever '' eu-west-1 DescribeRuleGroup "$byname")" \
    "403 UnrecognizedClientException -" "a key nobody issued: refused"
is "$(jq -r 'select(.RuleGroupArn != null) | "\(.Region) \(.Account)"' "$NFW_LOG" | sort -u | tr '\n' ' ')" \
    "eu-west-1 $A us-east-1 $B " "the log says which region and account each request was signed for"

# each group its own token
tok() { fake_state "$1" | jq -r .UpdateToken; }
ta=$(tok "$ARN_A") tb=$(tok "$ARN_B") ta2=$(tok "$ARN_A2")
test "$ta" != "$tb" && test "$ta" != "$ta2"
ok $? "three groups, three update tokens"
fake_state "$ARN_A" | jq -c '{UpdateToken, RuleGroupArn: .RuleGroupResponse.RuleGroupArn,
    RuleGroup: (.RuleGroup | .RulesSource.StatelessRulesAndCustomActions.StatelessRules +=
      [{Priority: 30000, RuleDefinition: {MatchAttributes: {Sources: [{AddressDefinition: "203.0.113.1/32"}]},
        Actions: ["aws:drop"]}}])}' > upd.json
is "$(fwb us-east-1 UpdateRuleGroup "$(jq -c ".RuleGroupArn = \"$ARN_B\"" upd.json)")" \
    "400 InvalidTokenException $ARN_B" "one group's token is stale for another"
is "$(fwa eu-west-1 UpdateRuleGroup "$(cat upd.json)")" "200 - $ARN_A" "updated with its own token"
test "$(tok "$ARN_A")" != "$ta" && test "$(tok "$ARN_B")" = "$tb" && test "$(tok "$ARN_A2")" = "$ta2"
ok $? "only that group's token rotated"
is "$(blocked 30000 Sources "$ARN_A"):$(blocked 30000 Sources "$ARN_B"):$(blocked 30000 Sources "$ARN_A2")" \
    "203.0.113.1/32::" "and only it holds the change"

# faults for one group, one region
fake_control "{\"faults\":[{\"op\":\"DescribeRuleGroup\",\"group\":\"$ARN_B\",\"status\":500,\"type\":\"InternalServerError\",\"times\":5}]}"
is "$(fwa eu-west-1 DescribeRuleGroup "$byname" | cut -d' ' -f1,2):$(fwb us-east-1 DescribeRuleGroup "$byname" | cut -d' ' -f1,2)" \
    "200 -:500 InternalServerError" "a fault for one group spares the others"
fake_control '{"faults":[{"op":"DescribeRuleGroup","region":"eu-west-1","status":503,"type":"ServiceUnavailable","times":1}]}'
is "$(fwa eu-west-1 DescribeRuleGroup "$byname" | cut -d' ' -f1,2)" "503 ServiceUnavailable" \
    "a fault for one region"
is "$(curl -s "$NFW_URL/_groups" | jq -r '[.Groups[].RuleGroupResponse.RuleGroupArn] | join(" ")')" \
    "$ARN_A $ARN_B $ARN_A2" "GET /_groups: every group"
is "$(invalid | jq -r 'select(.Valid == false) | .Op')" "" "every request met the model"

# an endpoint of one region
start_fake groups.json --role arn:aws:iam::$A:role/fw-a --region eu-west-1
is "$(fwa eu-west-1 DescribeRuleGroup "$byname")" "200 - $ARN_A" "an endpoint for eu-west-1 serves it"
is "$(fwa us-east-1 DescribeRuleGroup "$byname" | cut -d' ' -f1,2)" "403 InvalidSignatureException" \
    "and refuses a request signed for another region"
