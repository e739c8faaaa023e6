#!/bin/sh
# roles.sh: waf-sync --role-arn / --external-id / --role-session-name, the
# options of nfw-sync: the role is assumed (STS AssumeRole, signed with the
# profile's key) and every WAF call is signed with its credentials, so that
# the IP set of another account, in its region, is the one changed.
# Against the STS stand-in of aws_fake.py (as tests/nfw/roles.sh) and the
# WAF stand-in holding a set named blocklist in each of two accounts.
. "$top_srcdir/tests/waf/fake.sh"
plan 16

SECRET=RolesBaseSecretFAKE0123456789abcdefghij
A=444455556666 B=777788889999
ROLE_A=arn:aws:iam::$A:role/waf-a ROLE_B=arn:aws:iam::$B:role/waf-b
ID_A=a0a0a0a0-5678-90ab-cdef-444455556666
ID_B=b0b0b0b0-5678-90ab-cdef-777788889999
ARN_A=arn:aws:wafv2:eu-west-1:$A:regional/ipset/blocklist/$ID_A
ARN_B=arn:aws:wafv2:us-east-1:$B:regional/ipset/blocklist/$ID_B
cat > accounts.json <<EOF2
{"IPSets": [
 {"Name": "blocklist", "Id": "$ID_A", "ARN": "$ARN_A",
  "IPAddressVersion": "IPV4", "Addresses": [], "Region": "eu-west-1"},
 {"Name": "blocklist", "Id": "$ID_B", "ARN": "$ARN_B",
  "IPAddressVersion": "IPV4", "Addresses": [], "Region": "us-east-1"}]}
EOF2
start_fake --keys "AKIDBASE=$SECRET" --role "$ROLE_A" --role "$ROLE_B"
fake_load accounts.json

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
# signers: "KEY REGION ACCOUNT" of each WAF request, once
signers() {
	jq -r '"\(.headers.Authorization | split("Credential=")[1] | split("/")[0]) \(.Region) \(.Account)"' \
	    "$WAF_LOG" | sort -u
}
# in_account ARN: the addresses of the set with this ARN
in_account() {
	fake_state | jq -r --arg a "$1" '.IPSets[] | select(.ARN == $a)
	    | .Addresses | join(" ")'
}
fresh() { : > sts.log; : > "$WAF_LOG"; }

fresh
ips 203.0.113.10 | waf-sync --ip-set blocklist --region eu-west-1 \
    --role-arn "$ROLE_A" --external-id ext-a --role-session-name sechub-a \
    > out 2> err
is "$?:$(cat err)" 0: "account A's set through its role: exit 0"
is "$(sts_calls)" "AssumeRole AKIDBASE ExternalId=ext-a RoleArn=$ROLE_A RoleSessionName=sechub-a" \
    "one AssumeRole with the external id and session name, signed with the profile's key"
is "$(signers)" "ASIAWAFA eu-west-1 $A" \
    "every WAF call signed with the role's key, for the set's region and account"
is "$(invalid)" "" "and every signature (the role's secret and session token) checked out"
is "$(in_account "$ARN_A"):$(in_account "$ARN_B")" "203.0.113.10/32:" \
    "account A's set blocks it, account B's set of the same name does not"
is "$(jq -c '[.HostIp, .Blocked]' out)" '["203.0.113.10",true]' "the record says Blocked"

fresh
ips 203.0.113.20 | waf-sync --ip-set blocklist --region us-east-1 \
    --role-arn "$ROLE_B" --external-id ext-b --summary > out 2> err
is "$?" 0 "account B's set through its role: exit 0"
is "$(sts_calls | sed 's/sechub-tools-[0-9]*$/sechub-tools-TIME/')" \
    "AssumeRole AKIDBASE ExternalId=ext-b RoleArn=$ROLE_B RoleSessionName=sechub-tools-TIME" \
    "its own AssumeRole, the session named sechub-tools-TIME"
is "$(signers):$(jq -r .IPSet out)" "ASIAWAFB us-east-1 $B:$ARN_B" \
    "calls signed as B's role in us-east-1, the summary names B's set"
is "$(in_account "$ARN_B"):$(in_account "$ARN_A")" \
    "203.0.113.20/32:203.0.113.10/32" "B's set blocks it, A's is as it was"

fresh
ips 203.0.113.30 | waf-sync --ip-set blocklist --region eu-west-1 > out 2> err
is "$?:$(jq -c .Blocked out)" "3:null" \
    "without the role, the profile's own account has no such set: exit 3"

fresh
ips 203.0.113.30 | waf-sync --ip-set blocklist --region eu-west-1 \
    --role-arn arn:aws:iam::$A:role/denied > out 2> err
is "$?:$(jq -c .Blocked out)" "3:null" "a role STS refuses: exit 3, nothing known"
is "$(cat err)" "waf-sync: WAF ListIPSets: role arn:aws:iam::$A:role/denied: STS AssumeRole: AccessDenied: User is not authorized to perform: sts:AssumeRole" \
    "naming the role and STS's reason"
is "$(grep -c . "$WAF_LOG")" 0 "and no WAF call was made without it"

fresh
ips 203.0.113.30 | waf-sync --ip-set blocklist --region eu-west-1 \
    --external-id ext-a > out 2> err
is "$?:$(cat err):$(grep -c . "$WAF_LOG")" \
    "2:waf-sync: external_id and role_session_name need role_arn:0" \
    "--external-id without --role-arn: a usage error, nothing asked"

grep -q -e "$SECRET" -e 'secret&FAKE' -e 'token-[0-9]*-FAKE' out err
is "$?" 1 "no secret or session token in the output"
