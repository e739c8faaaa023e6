#!/bin/sh
# dry-run.sh: --dry-run describes, plans and prints the UpdateRuleGroup
# request without changing anything; botocore's model and the AWS CLI
# (update-rule-group --cli-input-json) accept that request as it is.
. "$top_srcdir/tests/nfw/fake.sh"
plan 16
start_fake
before=$(fake_state)

ips 203.0.113.9 203.0.113.8 > ips.jsonl
cd "$TMP" || exit 99
# the EXAMPLES of nfw-sync(1), as they are written there
nfw-sync -n --rule-group blocklist ips.jsonl | jq .UpdateRuleGroup > plan.json
is "$?" 0 "dry run: exit 0"
is "$(calls UpdateRuleGroup)" 0 "dry run: UpdateRuleGroup not called"
is "$(fake_state)" "$before" "dry run: group unchanged"
nfw-sync -n --rule-group blocklist ips.jsonl > plan.out
is "$(jq -c '[.Mode, .AddedBlocks, .RemovedBlocks, .Added, .Total, .Blocks, .CapacityUsed, .Capacity, .Changed, .DryRun]' plan.out)" \
    '["merge",["203.0.113.8/31"],[],2,3,2,7,100,true,true]' \
    "dry run: the plan says what changes and the capacity"
is "$(jq -r .UpdateToken plan.json)" "$(echo "$before" | jq -r .UpdateToken)" \
    "dry run: the request carries the token it read"
is "$("$top_srcdir/tests/fakes/nfw_validate.py" UpdateRuleGroup plan.json)" \
    valid "dry run: botocore's model accepts the request"
jq '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[0].Priority = 0' \
    plan.json > broken.json
"$top_srcdir/tests/fakes/nfw_validate.py" UpdateRuleGroup broken.json > /dev/null
is "$?" 1 "the validator does reject a broken request"

if /usr/bin/aws --version >/dev/null 2>&1; then
	/usr/bin/aws network-firewall update-rule-group --endpoint-url "$NFW_URL" \
	    --cli-input-json file://plan.json > aws.out 2> aws.err
	is "$?" 0 "aws network-firewall update-rule-group --cli-input-json accepts it"
	is "$(blocked 30000 Sources)" "198.51.100.7/32 203.0.113.8/31" \
	    "the AWS CLI applied the plan"
	is "$(invalid)" "" "the CLI's request passed the stand-in's checks"
else
	for i in 1 2 3; do echo "ok - # SKIP /usr/bin/aws not installed"; done
	_tap_n=$((_tap_n + 3))
fi

# nothing to change: no request in the plan
nfw-sync -n --rule-group blocklist ips.jsonl > plan2.out
is "$?" 0 "dry run, no change: exit 0"
is "$(jq -c '[.Changed, .UpdateRuleGroup]' plan2.out)" '[false,null]' \
    "dry run, no change: no request"

# does not fit: no request, a failure
i=0; : > many.jsonl
while [ $i -lt 60 ]; do ips "198.18.$i.1" >> many.jsonl; i=$((i + 1)); done
nfw-sync -n --allow-private --rule-group blocklist many.jsonl > plan3.out 2> err
is "$?" 3 "dry run, too big: exit 3"
is "$(jq -c '[.Changed, .UpdateRuleGroup, .CapacityUsed]' plan3.out)" \
    '[true,null,127]' "dry run, too big: no request, the capacity it would need"
grep -q 'capacity exceeded' err
ok "$?" "dry run, too big: says so"
is "$(calls UpdateRuleGroup)" 1 "only the AWS CLI ever updated"
