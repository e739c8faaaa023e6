#!/bin/sh
# dry-run.sh: --dry-run reads the sets, plans and prints the UpdateIPSet
# request without a mutating call; botocore's model and the AWS CLI
# (wafv2 update-ip-set --cli-input-json) accept that request as it is, and
# the CLI's own call of it, to the stand-in, makes the change.
. "$top_srcdir/tests/waf/fake.sh"
plan 18
start_fake
before=$(fake_state)

ips 203.0.113.9 203.0.113.8 10.0.0.1 > ips.jsonl
waf-sync -n --ip-set blocklist ips.jsonl 2> err | jq .UpdateIPSet > plan.json
is "$?" 0 "dry run: exit 0"
is "$(mutating)" "" "dry run: no mutating call reached the stand-in"
is "$(fake_state)" "$before" "dry run: the sets are unchanged"
waf-sync -n --ip-set blocklist ips.jsonl > plan.out 2> err
is "$(jq -c '[.Mode, .AddedBlocks, .RemovedBlocks, .Added, .Total, .Blocks, .Limit, .Changed, .DryRun]' plan.out)" \
    '["merge",["203.0.113.8/31"],[],2,3,2,10000,true,true]' \
    "dry run: the plan says what changes"
is "$(jq -r .LockToken plan.json)" 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 \
    "dry run: the request carries the lock token it read"
is "$(grep -c 'refused: special-purpose' err)" 1 \
    "dry run: a refused address is warned about"
is "$(/usr/bin/python3 "$top_srcdir/tests/fakes/waf_server.py" --validate UpdateIPSet plan.json)" \
    valid "dry run: botocore's model accepts the request"
jq '.Addresses += ["0.0.0.0/0"] | .Scope = "GLOBAL"' plan.json > broken.json
is "$(/usr/bin/python3 "$top_srcdir/tests/fakes/waf_server.py" --validate UpdateIPSet broken.json | wc -l | tr -d ' ')" \
    2 "the validator does reject a bad scope and a /0"

if /usr/bin/aws --version >/dev/null 2>&1; then
	/usr/bin/aws wafv2 update-ip-set --generate-cli-skeleton input |
	    jq -c 'keys' > skel
	is "$(jq -c 'keys' plan.json)" "$(cat skel)" \
	    "the request has the members of the CLI's skeleton, no other"
	/usr/bin/aws wafv2 update-ip-set --endpoint-url "$WAF_URL" \
	    --cli-input-json file://plan.json > aws.out 2> aws.err
	is "$?" 0 "aws wafv2 update-ip-set --cli-input-json accepts it"
	is "$(held blocklist)" "198.51.100.7/32 203.0.113.8/31" \
	    "the AWS CLI applied the plan"
	is "$(invalid)" "" "the CLI's request passed the stand-in's checks"
	# the plan's token is spent: the CLI fails rather than overwrite
	/usr/bin/aws wafv2 update-ip-set --endpoint-url "$WAF_URL" \
	    --cli-input-json file://plan.json > aws.out 2> aws.err
	is "$?:$(grep -c WAFOptimisticLockException aws.err)" "254:1" \
	    "the same plan again: WAFOptimisticLockException, nothing overwritten"
else
	for i in 1 2 3 4 5; do echo "ok - # SKIP /usr/bin/aws not installed"; done
	_tap_n=$((_tap_n + 5))
fi

# nothing to change: no request in the plan
waf-sync -n --ip-set blocklist ips.jsonl > plan2.out 2> /dev/null
is "$?:$(jq -c '[.Changed, .UpdateIPSet]' plan2.out)" '0:[false,null]' \
    "dry run, no change: no request"

# too many: no request, a failure
awk 'BEGIN { for (i = 0; i < 10001; i++)
    printf "{\"HostIp\":\"100.%d.%d.%d\"}\n", 128 + int(i / 32768),
    int(i / 128) % 256, (i % 128) * 2 }' > many.jsonl
waf-sync -n --ip-set blocklist --replace many.jsonl > plan3.out 2> err
is "$?" 3 "dry run, too many: exit 3"
is "$(jq -c '[.Changed, .UpdateIPSet, .Blocks]' plan3.out)" \
    '[true,null,10001]' "dry run, too many: no request, the blocks it would need"
grep -q 'too many addresses: 10001 CIDR blocks' err
ok "$?" "dry run, too many: says so"
is "$(mutating)" "UpdateIPSet UpdateIPSet " \
    "only the AWS CLI ever called UpdateIPSet"
