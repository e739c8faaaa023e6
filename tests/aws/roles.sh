#!/bin/sh
# Roles per target: a context with aws_options.role_arn / external_id /
# role_session_name assumes that role (STS AssumeRole) with the profile's
# credentials and signs every call with the role's; aws_new_role shares one
# set of base credentials and one AssumeRole per role among many targets;
# credentials near expiry are assumed again. Against the STS stand-in
# (which checks every request against the sts model and the signature of
# every key it knows or issued) and a scripted Network Firewall endpoint.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
aws_clean_env
plan 36

SECRET=RolesBaseSecretNeverPrint0123456789abcd
export FAKE_STS_KEYS="AKIDBASE=$SECRET" AWS_REGION=eu-west-1
start_fake sts sts
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT
start_fake nfw script "$TMP/answers.json"
export AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$FAKE_PORT
printf '[{"status": 200, "body": "{\\"UpdateToken\\":\\"t\\"}"}]' > "$TMP/answers.json"

cat > "$TMP/helper" <<EOF
#!/bin/sh
# the base credentials, counting how often they are asked for
echo run >> "$TMP/runs"
printf '{"Version": 1, "AccessKeyId": "AKIDBASE", "SecretAccessKey": "$SECRET"}\n'
EOF
chmod +x "$TMP/helper"
cat > "$TMP/config" <<EOF
[default]
credential_process = $TMP/helper
[profile ops]
role_arn = arn:aws:iam::111122223333:role/sec-ops
source_profile = default
external_id = ext-7
role_session_name = incident-42
EOF

FW=arn:aws:iam::444455556666:role/fw-admin
# sts_requests: one line per STS request: action, signing key, form
sts_requests() {
	/usr/bin/python3 - "$TMP/sts.log" <<'EOF'
import json, sys, urllib.parse as u
for l in open(sys.argv[1]):
    r = json.loads(l)
    f = dict(u.parse_qsl(r["body"]))
    key = r["headers"].get("Authorization", "").split("/")[0].split("=")[-1]
    print(f.pop("Action"), key, " ".join("%s=%s" % kv for kv in sorted(f.items()) if kv[0] != "Version"))
EOF
}
# nfw_requests: one line per Network Firewall request: key, region, token
nfw_requests() {
	/usr/bin/python3 - "$TMP/nfw.log" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    h = json.loads(l)["headers"]
    scope = h["Authorization"].split("Credential=")[1].split(",")[0].split("/")
    print(scope[0], scope[2], h.get("X-Amz-Security-Token", "-"))
EOF
}
fresh() { : > "$TMP/sts.log"; : > "$TMP/nfw.log"; : > "$TMP/runs"; }
call() {
	probe -v "$@" call network-firewall DescribeRuleGroup \
	    '{"RuleGroupName":"blocklist","Type":"STATELESS"}' >"$TMP/out" 2>"$TMP/err"
	st=$?
	cat "$TMP/out" "$TMP/err" >> "$TMP/all-output"
	return $st
}

# --- one context, one role -------------------------------------------------------
fresh
call -R "$FW" -E partner-ext-1 -S sechub-run
is "$?" 0 "a call through a role of its own (role_arn, external_id, session name)"
is "$(sts_requests)" "AssumeRole AKIDBASE ExternalId=partner-ext-1 RoleArn=$FW RoleSessionName=sechub-run" \
    "AssumeRole with the ExternalId and session name, signed with the profile's key (the stand-in checked the signature)"
is "$(nfw_requests)" "ASIAFWADMIN eu-west-1 FWADMIN-token-1-FAKE" \
    "the call is signed with the assumed role's key and session token"
/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" "$TMP/nfw.log" 'FWADMIN-secret&FAKE' >/dev/null
ok $? "botocore finds the signature made with the role's secret"
/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" "$TMP/nfw.log" "$SECRET" >/dev/null
is "$?" 1 "and not one made with the base secret"
grep -q "credentials: assume role $FW (with credential_process (profile default)), access key id ASIAFWADMIN" "$TMP/err"
ok $? "the trace names the role and where its base credentials came from"

fresh
call -R "$FW"
is "$(sts_requests | sed 's/sechub-tools-[0-9]*$/sechub-tools-TIME/')" \
    "AssumeRole AKIDBASE RoleArn=$FW RoleSessionName=sechub-tools-TIME" \
    "without an external id none is sent; the session name is sechub-tools-<time>"

# cached until near expiry
fresh
call -c 3 -R "$FW" -E partner-ext-1
is "$?:$(sts_requests | wc -l | tr -d ' '):$(count_requests nfw)" "0:1:3" \
    "three calls: one AssumeRole"
is "$(nfw_requests | sort -u | sed 's/token-[0-9]*-/token-N-/')" "ASIAFWADMIN eu-west-1 FWADMIN-token-N-FAKE" \
    "all three signed with its credentials"
is "$(nfw_requests | sort -u | wc -l | tr -d ' ')" 1 "and its one session token"
is "$(wc -l < "$TMP/runs" | tr -d ' ')" 1 "the base credentials were asked for once"

fresh
FAKE_STS_EXPIRES_IN=200 start_fake sts2 sts
AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT call -c 3 -R "$FW" -E partner-ext-1
is "$?:$(count_requests sts2):$(count_requests nfw)" "0:3:3" \
    "credentials within 5 minutes of expiry: assumed again before each call"
is "$(nfw_requests | cut -d' ' -f3 | sort -u | wc -l | tr -d ' ')" 3 \
    "each call signed with the newest session token"
grep -q "credentials of role $FW expire soon: assuming it again" "$TMP/err"
ok $? "the trace says so"

# the service finds the role's token expired: assumed again, once
fresh
printf '[{"status": 400, "body": "{\\"__type\\":\\"ExpiredTokenException\\",\\"message\\":\\"expired\\"}"}, {"status": 200, "body": "{}"}]' > "$TMP/answers.json"
call -R "$FW"
is "$?:$(sts_requests | wc -l | tr -d ' '):$(count_requests nfw)" "0:2:2" \
    "ExpiredTokenException from the service: the role assumed again, the call made again"
is "$(nfw_requests | cut -d' ' -f3 | sort -u | wc -l | tr -d ' ')" 2 \
    "with the new session token"
printf '[{"status": 200, "body": "{\\"UpdateToken\\":\\"t\\"}"}]' > "$TMP/answers.json"

# a role profile (role_arn + source_profile + external_id in ~/.aws/config)
# as the base of a target's role
fresh
call -p ops -R "$FW" -E partner-ext-1
is "$?" 0 "a target role assumed from a profile that itself assumes a role"
is "$(sts_requests)" "AssumeRole AKIDBASE ExternalId=ext-7 RoleArn=arn:aws:iam::111122223333:role/sec-ops RoleSessionName=incident-42
AssumeRole ASIASECOPS ExternalId=partner-ext-1 RoleArn=$FW RoleSessionName=$(sts_requests | sed -n '2s/.*RoleSessionName=//p')" \
    "the profile's external_id with its role, then the target's with the target's, signed by the first role"
is "$(nfw_requests | cut -d' ' -f1)" "ASIAFWADMIN" "the call is the target role's"

# --- many targets from one base (aws_new_role) ---------------------------------------
fresh
A=arn:aws:iam::444455556666:role/fw-a
B=arn:aws:iam::777788889999:role/fw-b
probe -v targets network-firewall DescribeRuleGroup '{"RuleGroupName":"blocklist","Type":"STATELESS"}' \
    "eu-west-1,$A,ext-a" "us-east-1,$B,ext-b" "ap-south-1,$A,ext-a" "eu-north-1" \
    "us-west-2,$A,ext-other" >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "five targets, three roles, one without a role"
is "$(cat "$TMP/out")" "eu-west-1 key ASIAFWA source assume role $A (with credential_process (profile default))
us-east-1 key ASIAFWB source assume role $B (with credential_process (profile default))
ap-south-1 key ASIAFWA source assume role $A (with credential_process (profile default))
eu-north-1 key AKIDBASE source credential_process (profile default)
us-west-2 key ASIAFWA source assume role $A (with credential_process (profile default))" \
    "each target signs with its role's key, the one without a role with the profile's"
is "$(sts_requests | cut -d' ' -f1-4)" "AssumeRole AKIDBASE ExternalId=ext-a RoleArn=$A
AssumeRole AKIDBASE ExternalId=ext-b RoleArn=$B
AssumeRole AKIDBASE ExternalId=ext-other RoleArn=$A" \
    "one AssumeRole per (role, external id), however many targets name it"
is "$(wc -l < "$TMP/runs" | tr -d ' ')" 1 "the base credentials resolved once for all targets"
is "$(nfw_requests | cut -d' ' -f1,2 | tr '\n' ' ')" \
    "ASIAFWA eu-west-1 ASIAFWB us-east-1 ASIAFWA ap-south-1 AKIDBASE eu-north-1 ASIAFWA us-west-2 " \
    "each call signed for its target's region"

fresh
probe targets network-firewall DescribeRuleGroup '{"RuleGroupName":"blocklist","Type":"STATELESS"}' \
    "eu-west-1,arn:aws:iam::111111111111:role/denied" "us-east-1,$B,ext-b" >"$TMP/out" 2>"$TMP/err"
is "$?" 3 "one target's role refused: a runtime failure"
is "$(cat "$TMP/err")" "awsprobe: Network Firewall DescribeRuleGroup: role arn:aws:iam::111111111111:role/denied: STS AssumeRole: AccessDenied: User is not authorized to perform: sts:AssumeRole" \
    "naming the role and STS's reason"
is "$(cat "$TMP/out")" "us-east-1 key ASIAFWB source assume role $B (with credential_process (profile default))" \
    "and the other target still works"

# --- settings refused before anything is asked ----------------------------------------
fresh
call -R 'arn:aws:iam::444455556666:user/fw-admin'
is "$?:$(cat "$TMP/err")" "2:awsprobe: role_arn arn:aws:iam::444455556666:user/fw-admin: not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)" \
    "a role_arn that is not a role"
call -R "$FW" -E 'ext id with spaces'
is "$?:$(cat "$TMP/err")" "2:awsprobe: external_id: 2 to 1224 letters, digits or any of _+=,.@:/-" \
    "an external id STS would refuse"
call -R "$FW" -S 'a/b'
is "$?:$(cat "$TMP/err")" "2:awsprobe: role_session_name: 2 to 64 letters, digits or any of _+=,.@-" \
    "a session name STS would refuse"
call -E ext-1
is "$?:$(cat "$TMP/err")" "2:awsprobe: external_id and role_session_name need role_arn" \
    "an external id without a role"
is "$(count_requests sts):$(count_requests nfw)" "0:0" "none of them asked anything"
fresh
probe -R "$A" targets network-firewall DescribeRuleGroup '{}' "eu-west-1,$FW" \
    >"$TMP/out" 2>"$TMP/err"
is "$?:$(sts_requests | cut -d' ' -f1,2,3)" "0:AssumeRole AKIDBASE RoleArn=$FW" \
    "aws_new_role from a role context: assumed with the profile's credentials, not the other role's"
AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null call -R "$FW"
is "$?:$(cat "$TMP/err")" "2:awsprobe: Network Firewall DescribeRuleGroup: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure profile default" \
    "no base credentials: a configuration error"

# --- secrets ------------------------------------------------------------------------
cat "$TMP/out" "$TMP/err" >> "$TMP/all-output"
grep -q . "$TMP/all-output"
ok $? "the runs said something (with --verbose)"
grep -q -e "$SECRET" -e 'secret&FAKE' -e 'token-[0-9]*-FAKE' "$TMP/all-output"
is "$?" 1 "neither the base secret nor any role's secret or session token is printed"
