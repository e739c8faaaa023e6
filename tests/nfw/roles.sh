#!/bin/sh
# roles.sh: nfw-sync --role-arn / --external-id / --role-session-name:
# the role is assumed (STS AssumeRole, signed with the profile's key) and
# every Network Firewall call is signed with its credentials, so that the
# group of another account, in its region, is the one changed. Against the
# STS stand-in of aws_fake.py and the Network Firewall stand-in holding a
# group named blocklist in each of two accounts and regions.
. "$top_srcdir/tests/nfw/fake.sh"
plan 24

SECRET=RolesBaseSecretFAKE0123456789abcdefghij
A=444455556666 B=777788889999
ROLE_A=arn:aws:iam::$A:role/fw-a ROLE_B=arn:aws:iam::$B:role/fw-b
ARN_A=arn:aws:network-firewall:eu-west-1:$A:stateless-rulegroup/blocklist
ARN_B=arn:aws:network-firewall:us-east-1:$B:stateless-rulegroup/blocklist
printf '{"Groups": [%s, %s]}\n' "$(group_answer blocklist eu-west-1 $A)" \
    "$(group_answer blocklist us-east-1 $B)" > groups.json
start_fake groups.json --keys "AKIDBASE=$SECRET" --account 111122223333 \
    --role "$ROLE_A" --role "$ROLE_B"

STS_PORT=$(free_port)
: > sts.log
FAKE_STS_KEYS="AKIDBASE=$SECRET" /usr/bin/python3 \
    "$top_srcdir/tests/fakes/aws_fake.py" "$STS_PORT" "$TMP/sts.log" sts \
    2> sts.err &
at_exit "kill $! 2>/dev/null"
wait_port "$STS_PORT" || { echo "Bail out! STS stand-in did not start"; exit 1; }
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$STS_PORT
export AWS_ACCESS_KEY_ID=AKIDBASE AWS_SECRET_ACCESS_KEY=$SECRET
unset AWS_REGION AWS_DEFAULT_REGION

# sts_calls: one line per STS request: action, signing key, the form
sts_calls() {
	/usr/bin/python3 - "$TMP/sts.log" <<'PY'
import json, sys, urllib.parse as u
for l in open(sys.argv[1]):
    r = json.loads(l)
    f = dict(u.parse_qsl(r["body"]))
    key = r["headers"].get("Authorization", "").split("/")[0].split("=")[-1]
    print(f.pop("Action"), key, " ".join("%s=%s" % kv for kv in sorted(f.items()) if kv[0] != "Version"))
PY
}
# signers: "KEY REGION ACCOUNT" of each Network Firewall request, once
signers() {
	jq -r '"\(.Headers.Authorization | split("Credential=")[1] | split("/")[0]) \(.Region) \(.Account)"' \
	    "$NFW_LOG" | sort -u
}
fresh() { : > sts.log; : > "$NFW_LOG"; }

fresh
ips 203.0.113.10 | nfw-sync --rule-group blocklist --region eu-west-1 \
    --role-arn "$ROLE_A" --external-id ext-a --role-session-name sechub-a \
    > out 2> err
is "$?" 0 "account A's group through its role: exit 0"
is "$(sts_calls)" "AssumeRole AKIDBASE ExternalId=ext-a RoleArn=$ROLE_A RoleSessionName=sechub-a" \
    "one AssumeRole with the external id and session name, signed with the profile's key"
is "$(signers)" "ASIAFWA eu-west-1 $A" \
    "every call signed with the role's key, for the group's region and account"
is "$(invalid)" "" "and every signature (the role's secret and session token) checked out"
is "$(blocked 30000 Sources "$ARN_A"):$(blocked 30100 Destinations "$ARN_A")" \
    "203.0.113.10/32:203.0.113.10/32" "account A's group blocks it"
is "$(blocked 30000 Sources "$ARN_B")" "" "account B's group of the same name does not"
is "$(jq -c '[.HostIp, .Blocked]' out)" '["203.0.113.10",true]' "the record says Blocked"

fresh
ips 203.0.113.20 | nfw-sync --rule-group blocklist --region us-east-1 \
    --role-arn "$ROLE_B" --external-id ext-b --summary > out 2> err
is "$?" 0 "account B's group through its role: exit 0"
is "$(sts_calls | sed 's/sechub-tools-[0-9]*$/sechub-tools-TIME/')" \
    "AssumeRole AKIDBASE ExternalId=ext-b RoleArn=$ROLE_B RoleSessionName=sechub-tools-TIME" \
    "its own AssumeRole, the session named sechub-tools-TIME"
is "$(signers)" "ASIAFWB us-east-1 $B" "calls signed as B's role in us-east-1"
is "$(jq -r .RuleGroup out):$(blocked 30000 Sources "$ARN_B"):$(blocked 30000 Sources "$ARN_A")" \
    "$ARN_B:203.0.113.20/32:203.0.113.10/32" "B's group blocks it, A's is as it was"

# sechub's call per target: --replace --allow-empty --summary --quiet
# [--dry-run] with the target's role
fresh
ips 203.0.113.40 | nfw-sync --rule-group blocklist --region eu-west-1 \
    --replace --allow-empty --summary --quiet --dry-run \
    --role-arn "$ROLE_A" --external-id ext-a > out 2> err
is "$?:$(cat err)" "0:" "sechub's dry run through the role: exit 0, quiet"
is "$(sts_calls | cut -d' ' -f1-3):$(signers):$(calls DescribeRuleGroup):$(calls UpdateRuleGroup)" \
    "AssumeRole AKIDBASE ExternalId=ext-a:ASIAFWA eu-west-1 $A:1:0" \
    "the role assumed, A's group described with its key, not updated"
is "$(jq -r .RuleGroup out):$(blocked 30000 Sources "$ARN_A")" \
    "$ARN_A:203.0.113.10/32" "the summary names A's group, which is as it was"
fresh
: | nfw-sync --rule-group blocklist --region eu-west-1 \
    --replace --allow-empty --summary --quiet \
    --role-arn "$ROLE_A" --external-id ext-a > out 2> err
is "$?:$(cat err):$(signers)" "0::ASIAFWA eu-west-1 $A" \
    "sechub's --replace --allow-empty of nothing through the role: exit 0"
is "$(blocked 30000 Sources "$ARN_A"):$(blocked 30000 Sources "$ARN_B")" \
    ":203.0.113.20/32" "empties A's group only"

fresh
ips 203.0.113.30 | nfw-sync --rule-group blocklist --region eu-west-1 > out 2> err
is "$?:$(cat err)" "3:nfw-sync: Network Firewall DescribeRuleGroup: ResourceNotFoundException: rule group not found" \
    "without the role, the profile's own account has no such group: exit 3"

fresh
ips 203.0.113.30 | nfw-sync --rule-group blocklist --region eu-west-1 \
    --role-arn arn:aws:iam::$A:role/denied > out 2> err
is "$?:$(jq -c .Blocked out)" "3:null" "a role STS refuses: exit 3, nothing known"
is "$(cat err)" "nfw-sync: Network Firewall DescribeRuleGroup: role arn:aws:iam::$A:role/denied: STS AssumeRole: AccessDenied: User is not authorized to perform: sts:AssumeRole" \
    "naming the role and STS's reason"
is "$(calls DescribeRuleGroup)" 0 "and no call was made without it"

fresh
ips 203.0.113.30 | nfw-sync --rule-group blocklist --region eu-west-1 --external-id ext-a > out 2> err
is "$?:$(cat err)" "2:nfw-sync: external_id and role_session_name need role_arn" \
    "--external-id without --role-arn: a usage error"
ips 203.0.113.30 | nfw-sync --rule-group blocklist --region eu-west-1 --role-arn arn:aws:iam::$A:user/x > out 2> err
is "$?:$(cat err)" "2:nfw-sync: role_arn arn:aws:iam::$A:user/x: not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)" \
    "--role-arn that is not a role: a usage error"
is "$(count=$(wc -l < sts.log); echo $((count + $(calls DescribeRuleGroup))))" 0 \
    "neither asked anything"

grep -q -e "$SECRET" -e 'secret&FAKE' -e 'token-[0-9]*-FAKE' out err
is "$?" 1 "no secret or session token in the output"
