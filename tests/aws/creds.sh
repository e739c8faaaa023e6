#!/bin/sh
# The credential chain, in the AWS CLI's order, against temporary shared
# files, a credential_process script and local STS / metadata stand-ins.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
aws_clean_env
plan 46

SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY

# --- environment -------------------------------------------------------------
out=$(AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=$SECRET \
    AWS_REGION=eu-west-1 probe creds 2>"$TMP/err")
is "$out" "region eu-west-1
source environment
key AKIDENV" "environment keys come first"

AWS_ACCESS_KEY_ID=AKIDENV AWS_REGION=eu-west-1 probe creds >/dev/null \
    2>"$TMP/err"
is "$?" 2 "an access key id without a secret is a configuration error"
is "$(cat "$TMP/err")" "awsprobe: credentials: environment: access key id and secret access key must be given together" \
    "and says what is missing"

# --- shared files -------------------------------------------------------------
cat > "$TMP/credentials" <<EOF
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = $SECRET

[dev]
aws_access_key_id = AKIDDEVCREDS
aws_secret_access_key = $SECRET
aws_session_token = devtoken
EOF
cat > "$TMP/config" <<EOF
# comment
[default]
region = us-east-2

[profile dev]
region = ap-southeast-2
aws_access_key_id = AKIDDEVCONFIG
aws_secret_access_key = $SECRET

[profile cfgonly]
aws_access_key_id = AKIDCFGONLY
aws_secret_access_key = $SECRET
region = ca-central-1

[cfgonly]
aws_access_key_id = AKIDNOTAPROFILE
EOF

is "$(probe creds 2>&1)" "region us-east-2
source profile default (shared credentials file)
key AKIDDEFAULT" "no environment: the default profile of the shared files"

is "$(AWS_PROFILE=dev probe creds 2>&1)" "region ap-southeast-2
source profile dev (shared credentials file)
key AKIDDEVCREDS" "AWS_PROFILE; credentials file before config file"

is "$(probe -p cfgonly creds 2>&1)" "region ca-central-1
source profile cfgonly (config file)
key AKIDCFGONLY" "[profile x] in the config file; a bare [x] there is not a profile"

out=$(AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=$SECRET \
    probe -p dev creds 2>&1)
is "$(echo "$out" | sed -n 3p)" "key AKIDDEVCREDS" "--profile wins over environment keys"

out=$(AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=$SECRET \
    AWS_PROFILE=dev probe creds 2>&1)
is "$(echo "$out" | sed -n 3p)" "key AKIDENV" "AWS_PROFILE does not (as in the CLI)"

probe -p nosuch creds >/dev/null 2>"$TMP/err"
is "$?" 2 "an unknown profile is a configuration error"
is "$(cat "$TMP/err")" "awsprobe: profile nosuch not found in $TMP/config or $TMP/credentials" \
    "naming both files"

# --- region -------------------------------------------------------------------
is "$(AWS_REGION=eu-north-1 AWS_DEFAULT_REGION=eu-south-1 probe -r sa-east-1 creds | head -1)" \
    "region sa-east-1" "--region first"
is "$(AWS_REGION=eu-north-1 AWS_DEFAULT_REGION=eu-south-1 probe creds | head -1)" \
    "region eu-north-1" "then AWS_REGION"
is "$(AWS_DEFAULT_REGION=eu-south-1 probe creds | head -1)" \
    "region eu-south-1" "then AWS_DEFAULT_REGION"
AWS_CONFIG_FILE=/dev/null probe creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: no region: use --region, AWS_REGION or region in the profile" \
    "no region anywhere is a configuration error"
probe -r 'us-east-1.evil.com/' creds >/dev/null 2>&1
is "$?" 2 "a region that is not a region name is refused"

# --- credential_process -------------------------------------------------------
cat > "$TMP/helper" <<'EOF'
#!/bin/sh
# a credential_process helper: $1 chooses the answer
case $1 in
ok)	printf '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "proc-secret-FAKE", "SessionToken": "proc-token", "Expiration": "2999-01-01T00:00:00Z"}\n' ;;
args)	printf '{"Version": 1, "AccessKeyId": "AKID%s", "SecretAccessKey": "s"}\n' "$2" ;;
expired) printf '{"Version": 1, "AccessKeyId": "AKIDOLD", "SecretAccessKey": "s", "Expiration": "2001-01-01T00:00:00Z"}\n' ;;
v2)	printf '{"Version": 2, "AccessKeyId": "AKIDV2", "SecretAccessKey": "s"}\n' ;;
fail)	echo "helper: cannot reach the vault" >&2; exit 3 ;;
esac
EOF
chmod +x "$TMP/helper"
export AWS_REGION=us-east-1
cat > "$TMP/config" <<EOF
[default]
region = us-east-1
[profile proc]
credential_process = $TMP/helper ok
[profile procargs]
credential_process = "$TMP/helper" args 'WITH SPACE'
[profile procexpired]
credential_process = $TMP/helper expired
[profile procv2]
credential_process = $TMP/helper v2
[profile procfail]
credential_process = $TMP/helper fail
EOF
: > "$TMP/credentials"

out=$(probe -p proc creds 2>&1)
is "$out" "region us-east-1
source credential_process (profile proc)
key AKIDPROCESS" "credential_process output is used"
ok "$(echo "$out" | grep -c -e proc-secret -e proc-token)" "and its secrets are not printed"
is "$(probe -p procargs creds 2>&1 | sed -n 3p)" "key AKIDWITH SPACE" \
    "the command line is split like a shell's words, quotes honoured"
probe -p procexpired creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:awsprobe: credentials: credential_process: credentials expired at 2001-01-01T00:00:00Z" \
    "an Expiration in the past is refused"
probe -p procv2 creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:awsprobe: credentials: credential_process: output is not JSON with \"Version\": 1" \
    "only Version 1 is understood"
probe -p procfail creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:helper: cannot reach the vault
awsprobe: credentials: credential_process: $TMP/helper exited with status 3" \
    "a failing helper: its stderr passes through, its status is reported"

# --- assume role through STS ---------------------------------------------------
start_fake sts sts
STS=$FAKE_PORT
cat > "$TMP/credentials" <<EOF
[base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = $SECRET
EOF
cat > "$TMP/config" <<EOF
[default]
region = eu-west-3
[profile ops]
role_arn = arn:aws:iam::111122223333:role/sec-ops
source_profile = base
role_session_name = incident-42
external_id = ext-7
[profile chained]
role_arn = arn:aws:iam::444455556666:role/deep
source_profile = ops
[profile loop1]
role_arn = arn:aws:iam::1:role/a
source_profile = loop2
[profile loop2]
role_arn = arn:aws:iam::1:role/b
source_profile = loop1
[profile denied]
role_arn = arn:aws:iam::1:role/denied
source_profile = base
[profile fromenv]
role_arn = arn:aws:iam::1:role/from-env
credential_source = Environment
[profile nosource]
role_arn = arn:aws:iam::1:role/x
EOF
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$STS AWS_REGION=eu-west-3

out=$(probe -p ops creds 2>&1)
is "$out" "region eu-west-3
source assume role arn:aws:iam::111122223333:role/sec-ops (profile ops)
key ASIASECOPS" "role_arn + source_profile: AssumeRole through STS"
last=$(tail -1 "$TMP/sts.log")
is "$(echo "$last" | python3 -c 'import json,sys,urllib.parse as u; r=json.load(sys.stdin); f=dict(u.parse_qsl(r["body"])); print(f["Action"], f["RoleArn"], f["RoleSessionName"], f["ExternalId"], f["Version"])')" \
    "AssumeRole arn:aws:iam::111122223333:role/sec-ops incident-42 ext-7 2011-06-15" \
    "STS got the role, session name and external id"
is "$(echo "$last" | python3 -c 'import json,sys; h=json.load(sys.stdin)["headers"]; print(h["Authorization"].split("/")[0], h["Authorization"].split("/")[2:4], h["Content-Type"])')" \
    "AWS4-HMAC-SHA256 Credential=AKIDBASE ['eu-west-3', 'sts'] application/x-www-form-urlencoded; charset=utf-8" \
    "signed for sts with the source profile's key"

: > "$TMP/sts.log"
is "$(probe -p chained creds 2>&1 | sed -n 2,3p)" "source assume role arn:aws:iam::444455556666:role/deep (profile chained)
key ASIADEEP" "role chains: source_profile that itself assumes a role"
is "$(count_requests sts)" 2 "two AssumeRole calls for a chain of two"
grep -q 'Credential=ASIASECOPS/' "$TMP/sts.log"
ok $? "the second signed with the first role's credentials"

probe -p loop1 creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: credentials: profile loop2: source_profile chain too long or circular" \
    "a circular chain is caught"
probe -p denied creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:awsprobe: credentials: STS AssumeRole: AccessDenied: User is not authorized to perform: sts:AssumeRole" \
    "STS errors are reported with their code"
is "$(AWS_ACCESS_KEY_ID=AKIDENVSRC AWS_SECRET_ACCESS_KEY=$SECRET probe -p fromenv creds 2>&1 | sed -n 3p)" \
    "key ASIAFROMENV" "credential_source = Environment"
probe -p nosource creds >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: credentials: profile nosource: role_arn needs source_profile, credential_source or web_identity_token_file" \
    "role_arn alone is explained"

# --- web identity ---------------------------------------------------------------
printf 'eyJhbGciOi.jwt-FAKE\n' > "$TMP/token"
: > "$TMP/sts.log"
out=$(AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/token \
    AWS_ROLE_ARN=arn:aws:iam::1:role/pod-role AWS_ROLE_SESSION_NAME=pod \
    AWS_CONFIG_FILE=/dev/null AWS_REGION=us-west-2 probe creds 2>&1)
is "$out" "region us-west-2
source web identity (role arn:aws:iam::1:role/pod-role)
key ASIAPODROLE" "AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN"
is "$(python3 -c 'import json,sys,urllib.parse as u; r=json.loads(open(sys.argv[1]).readline()); f=dict(u.parse_qsl(r["body"])); print(f["Action"], f["WebIdentityToken"], f["RoleSessionName"], "Authorization" in r["headers"])' "$TMP/sts.log")" \
    "AssumeRoleWithWebIdentity eyJhbGciOi.jwt-FAKE pod False" \
    "the token file's content goes to STS, unsigned"
unset AWS_ENDPOINT_URL_STS AWS_REGION

# --- container credentials --------------------------------------------------------
start_fake meta metadata
META=$FAKE_PORT
: > "$TMP/credentials"
printf '[default]\nregion = us-east-1\n' > "$TMP/config"
out=$(FAKE_CONTAINER_AUTH= \
    AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$META/container/creds \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=Bearer-FAKE probe creds 2>&1)
is "$out" "region us-east-1
source container credentials
key CONTAINERAKIDFAKE" "container credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI"
is "$(tail -1 "$TMP/meta.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"].get("Authorization"))')" \
    "Bearer-FAKE" "with AWS_CONTAINER_AUTHORIZATION_TOKEN"
printf 'from-file-FAKE\n' > "$TMP/ctoken"
AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$META/container/creds \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=ignored \
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$TMP/ctoken probe creds >/dev/null 2>&1
is "$(tail -1 "$TMP/meta.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"].get("Authorization"))')" \
    "from-file-FAKE" "the token file wins over the variable"
AWS_CONTAINER_CREDENTIALS_FULL_URI=http://192.0.2.1/creds probe creds \
    >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI: must be https, or http to a loopback or container metadata address" \
    "plain http to any other host is refused"

# --- EC2 instance metadata ------------------------------------------------------------
# (a generous timeout: the default second is short under valgrind)
export AWS_METADATA_SERVICE_TIMEOUT=10
: > "$TMP/meta.log"
out=$(AWS_EC2_METADATA_DISABLED=false \
    AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$META probe creds 2>&1)
is "$out" "region us-east-1
source instance metadata (role test-role)
key IMDSAKIDFAKE" "instance metadata, IMDSv2"
is "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); h = {k.lower(): v for k, v in r["headers"].items()}
    print(r["method"], r["path"], h.get("x-aws-ec2-metadata-token-ttl-seconds") or h.get("x-aws-ec2-metadata-token"))' "$TMP/meta.log")" \
    "PUT /latest/api/token 21600
GET /latest/meta-data/iam/security-credentials/ imds-token-0123
GET /latest/meta-data/iam/security-credentials/test-role imds-token-0123" \
    "a session token first, then the role and its credentials with it"
: > "$TMP/meta.log"
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$META probe creds \
    >/dev/null 2>"$TMP/err"
is "$?:$(count_requests meta)" "2:0" "AWS_EC2_METADATA_DISABLED=true: not asked at all"
is "$(cat "$TMP/err")" "awsprobe: credentials: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure profile default" \
    "no credentials anywhere is a configuration error that says what to do"

start_fake meta1 metadata v1
out=$(AWS_EC2_METADATA_DISABLED=false \
    AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$FAKE_PORT probe creds 2>&1)
is "$(echo "$out" | sed -n 3p)" "key IMDSAKIDFAKE" "falls back to IMDSv1 when the token PUT is refused"
AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_V1_DISABLED=true \
    AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$FAKE_PORT probe creds \
    >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:awsprobe: credentials: instance metadata: token request: HTTP 403" \
    "unless AWS_EC2_METADATA_V1_DISABLED"

# --- secrets stay secret ------------------------------------------------------------
cat > "$TMP/credentials" <<EOF
[default]
aws_access_key_id = AKIDVERBOSE
aws_secret_access_key = $SECRET
aws_session_token = SESSIONTOKENFAKE
EOF
start_fake ddb script "$TMP/answers.json"
printf '[{"status": 500, "body": "{}"}, {"status": 200, "body": "{}"}]' > "$TMP/answers.json"
AWS_ENDPOINT_URL=http://127.0.0.1:$FAKE_PORT probe -v call dynamodb ListTables '{}' \
    >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "a verbose call with a session token"
grep -q 'credentials: profile default (shared credentials file), access key id AKIDVERBOSE' "$TMP/err"
ok $? "the trace names the source and the key id"
cat "$TMP/out" "$TMP/err" | grep -q -e "$SECRET" -e SESSIONTOKENFAKE
is "$?" 1 "neither the secret key nor the session token is printed"
