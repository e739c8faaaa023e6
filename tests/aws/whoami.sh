#!/bin/sh
# Who am I: aws_caller_identity (STS GetCallerIdentity) through the usual
# credential chain, AWS_ENDPOINT_URL_STS and the standard retries, against
# the STS stand-in (tests/fakes/aws_fake.py sts, which checks each request
# against the sts model and its signature) and a scripted endpoint.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
aws_clean_env
plan 20

SECRET=WhoamiSecretNeverPrint0123456789abcdefgh
# the stand-in checks signatures made with this key
export FAKE_STS_KEYS="AKIDWHO=$SECRET" AWS_REGION=eu-west-1
start_fake sts sts
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT

cat > "$TMP/credentials" <<EOF
[default]
aws_access_key_id = AKIDWHO
aws_secret_access_key = $SECRET
[wrong]
aws_access_key_id = AKIDWHO
aws_secret_access_key = not-the-secret-FAKE
EOF
cat > "$TMP/config" <<EOF
[profile ops]
role_arn = arn:aws:iam::111122223333:role/sec-ops
source_profile = default
role_session_name = incident-42
[profile wrong]
region = eu-west-1
EOF

probe -v whoami >"$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/out")" "0:account 123456789012
arn arn:aws:iam::123456789012:user/AKIDWHO
user AIDAAKIDWHO" "static keys: the account, ARN and user id STS answers"
is "$(/usr/bin/python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); h=r["headers"]; print(r["method"], r["path"], r["body"], h["Content-Type"], h["Authorization"].split("/")[2:4])' "$TMP/sts.log")" \
    "POST / Action=GetCallerIdentity&Version=2011-06-15 application/x-www-form-urlencoded; charset=utf-8 ['eu-west-1', 'sts']" \
    "one form POST, signed for sts in the context's region"
/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" "$TMP/sts.log" "$SECRET" >/dev/null
ok $? "botocore agrees with the signature"
cat "$TMP/out" "$TMP/err" | grep -q "$SECRET"
is "$?" 1 "the secret key is not printed, even with traces"

: > "$TMP/sts.log"
probe -c 3 whoami >"$TMP/out" 2>&1
is "$?:$(count_requests sts)" "0:1" "asked once per context, however often the caller asks"
is "$(sort -u "$TMP/out" | wc -l | tr -d ' ')" 3 "and the same answer each time"

: > "$TMP/sts.log"
AWS_ENDPOINT_URL=http://127.0.0.1:1 probe whoami >/dev/null 2>&1
is "$?:$(count_requests sts)" "0:1" "AWS_ENDPOINT_URL_STS wins over AWS_ENDPOINT_URL"

# through an assumed role: the role's identity
: > "$TMP/sts.log"
probe -p ops whoami >"$TMP/out" 2>&1
is "$?:$(cat "$TMP/out")" "0:account 111122223333
arn arn:aws:sts::111122223333:assumed-role/sec-ops/incident-42
user AROASECOPS:incident-42" "a role profile: who the role session is"
is "$(/usr/bin/python3 -c 'import json,sys,urllib.parse as u
for l in open(sys.argv[1]):
    r = json.loads(l); print(dict(u.parse_qsl(r["body"]))["Action"], r["headers"]["Authorization"].split("/")[0].split("=")[1])' "$TMP/sts.log")" \
    "AssumeRole AKIDWHO
GetCallerIdentity ASIASECOPS" "AssumeRole with the source keys, then GetCallerIdentity signed by the role"
probe -R arn:aws:iam::444455556666:role/fw-admin -S who-run whoami >"$TMP/out" 2>&1
is "$?:$(sed -n 2p "$TMP/out")" "0:arn arn:aws:sts::444455556666:assumed-role/fw-admin/who-run" \
    "a context with a role of its own (aws_options.role_arn): the role's identity"

# errors
probe -p wrong whoami >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:awsprobe: STS GetCallerIdentity: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided" \
    "a signature STS refuses: a runtime failure with STS's reason"
AWS_SHARED_CREDENTIALS_FILE=/dev/null probe whoami >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: STS GetCallerIdentity: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure profile default" \
    "no credentials: a configuration error"

# retries and temporary credentials, against a scripted endpoint
start_fake script script "$TMP/answers.json"
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT
OKXML='<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a&amp;b</Arn><UserId>AIDA1</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>'
ERRXML='<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>'
answer() { printf '%s\n' "$1" > "$TMP/answers.json"; : > "$TMP/script.log"; }

answer "[{\"status\": 503, \"body\": \"\"}, {\"status\": 200, \"body\": \"$OKXML\", \"content_type\": \"text/xml\"}]"
probe -v whoami >"$TMP/out" 2>"$TMP/err"
is "$?:$(sed -n 2p "$TMP/out"):$(count_requests script)" "0:arn arn:aws:iam::123456789012:user/a&b:2" \
    "a 503 is retried; XML entities decoded"
grep -q 'STS GetCallerIdentity: attempt 1 failed (server error), retrying in' "$TMP/err"
ok $? "the retry is traced"

answer "[{\"status\": 400, \"body\": \"$(printf "$ERRXML" Throttling 'Rate exceeded')\"}, {\"status\": 200, \"body\": \"$OKXML\"}]"
probe whoami >/dev/null 2>&1
is "$?:$(count_requests script)" "0:2" "Throttling is retried"

cat > "$TMP/helper" <<'EOF'
#!/bin/sh
echo run >> "$HELPER_RUNS"
printf '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "s-FAKE", "SessionToken": "t-FAKE", "Expiration": "2999-01-01T00:00:00Z"}\n'
EOF
chmod +x "$TMP/helper"
printf '[profile proc]\ncredential_process = %s\n' "$TMP/helper" >> "$TMP/config"
export HELPER_RUNS=$TMP/runs
answer "[{\"status\": 400, \"body\": \"$(printf "$ERRXML" ExpiredToken 'The security token included in the request is expired')\"}, {\"status\": 200, \"body\": \"$OKXML\"}]"
probe -p proc whoami >/dev/null 2>"$TMP/err"
is "$?:$(count_requests script):$(wc -l < "$TMP/runs" | tr -d ' ')" "0:2:2" \
    "temporary credentials STS finds expired: resolved again, asked once more"
answer "[{\"status\": 400, \"body\": \"$(printf "$ERRXML" ExpiredToken 'expired')\"}]"
probe whoami >/dev/null 2>"$TMP/err"
is "$?:$(count_requests script)" "3:1" "long-term keys are not resolved again"

answer "[{\"status\": 200, \"body\": \"<GetCallerIdentityResponse/>\"}]"
probe whoami >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "3:awsprobe: STS GetCallerIdentity: no Account, Arn and UserId in the response" \
    "an answer without an identity is an error, not a crash"
answer "[{\"status\": 200, \"body\": \"<GetCallerIdentityResponse><Arn>arn:aws:iam::1:user/x\\u001b[31m</Arn><UserId>U</UserId><Account>1</Account></GetCallerIdentityResponse>\"}]"
probe whoami >"$TMP/out" 2>&1
is "$?:$(sed -n 2p "$TMP/out" | od -c | grep -c 033)" "0:0" \
    "control characters from the server never reach the terminal"
answer "[{\"status\": 403, \"body\": \"$(printf "$ERRXML" InvalidClientTokenId 'The security token included in the request is invalid')\"}]"
probe whoami >/dev/null 2>"$TMP/err"
is "$?:$(count_requests script)" "3:1" "an auth error is not retried"
