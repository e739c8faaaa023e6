#!/bin/sh
# IAM Identity Center (SSO) profiles, as the AWS CLI uses them after `aws
# sso login`: the [sso-session] and the legacy form, the token cache the
# CLI's own code writes (tests/aws/sso_login.py), GetRoleCredentials and
# CreateToken against a stand-in that checks every request against the
# botocore models (tests/fakes/sso_server.py), the refresh written back as
# the CLI writes it, and `run: aws sso login --profile NAME` when nothing
# is valid. No secret reaches any output.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
/usr/bin/python3 -c 'import awscli.botocore.utils' 2>/dev/null ||
    skip_all "no awscli (Debian's) for the CLI's token cache code"
tmpdir
aws_clean_env
plan 64

START=https://d-1234567890.awsapps.com/start
LEGACY_START=https://d-1234567890.awsapps.com/legacy
cat > "$TMP/config" <<EOF
[profile dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = eu-west-1

[sso-session my-sso]
sso_start_url = $START
sso_region = eu-central-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = $LEGACY_START
sso_region = us-east-2
sso_account_id = 444455556666
sso_role_name = Admin
region = us-west-2

[profile same]
sso_session = my-sso
sso_region = eu-central-1
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = eu-west-1

[profile mismatch]
sso_session = my-sso
sso_start_url = https://other.awsapps.com/start
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = eu-west-1

[profile nosession]
sso_session = nosuch
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = eu-west-1

[profile halfway]
sso_account_id = 111122223333
region = eu-west-1

[profile badregion]
sso_start_url = $LEGACY_START
sso_region = evil.example/x?
sso_account_id = 444455556666
sso_role_name = Admin
region = us-west-2

[profile tokenonly]
sso_session = my-sso
region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::777788889999:role/deploy
source_profile = dev
region = eu-west-1
EOF

# --- the stand-ins -------------------------------------------------------
SSO_PORT=$(free_port)
: > "$TMP/sso.log"
echo '{}' > "$TMP/state.json"
/usr/bin/python3 "$top_srcdir/tests/fakes/sso_server.py" --port "$SSO_PORT" \
    --log "$TMP/sso.log" --state "$TMP/state.json" 2>"$TMP/sso.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$SSO_PORT" || { echo "Bail out! sso_server did not start"; exit 1; }
export AWS_ENDPOINT_URL_SSO=http://127.0.0.1:$SSO_PORT
export AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:$SSO_PORT

# state [JSON-MEMBERS]: what the service knows: the tokens the CLI's login
# got (SsoAccessNeverPrint-0, SsoRefreshNeverPrint-0), the client, the
# assignments; extra members replace the defaults. The log starts afresh.
state() {
	/usr/bin/python3 - "$TMP/state.json" "${1:-{\}}" <<'EOF'
import json, sys, time
s = {"access_tokens": {"SsoAccessNeverPrint-0": time.time() + 28800},
     "assignments": {"111122223333": ["ReadOnly"],
                     "444455556666": ["Admin"]},
     "clients": {"client-FAKE": "SsoClientSecretNeverPrint"},
     "refresh_tokens": ["SsoRefreshNeverPrint-0"]}
s.update(json.loads(sys.argv[2]))
json.dump(s, open(sys.argv[1], "w"))
EOF
	: > "$TMP/sso.log"
}
# cli_login [ARGS]: `aws sso login` for the sso-session, through the CLI's
# code; cli_login_legacy for the legacy profile
cli_login() {
	rm -rf "$TMP/.aws/sso"
	/usr/bin/python3 "$top_srcdir/tests/aws/sso_login.py" login \
	    --start-url "$START" --region eu-central-1 --session my-sso \
	    --access-token SsoAccessNeverPrint-0 \
	    --refresh-token SsoRefreshNeverPrint-0 "$@" >/dev/null
}
cli_login_legacy() {
	rm -rf "$TMP/.aws/sso"
	/usr/bin/python3 "$top_srcdir/tests/aws/sso_login.py" login \
	    --start-url "$LEGACY_START" --region us-east-2 \
	    --access-token SsoAccessNeverPrint-0 "$@" >/dev/null
}
cli_check() {
	/usr/bin/python3 "$top_srcdir/tests/aws/sso_login.py" check \
	    --start-url "$START" --session my-sso
}
# what the stand-in received, one line per request
received() {
	/usr/bin/python3 - "$TMP/sso.log" <<'EOF'
import json, sys, urllib.parse
for line in open(sys.argv[1]):
    r = json.loads(line)
    h = {k.lower(): v for k, v in r["headers"].items()}
    if r["path"].startswith("/federation/"):
        extra = "bearer=" + h.get("x-amz-sso_bearer_token", "")
    else:
        b = json.loads(r["body"] or "{}")
        extra = " ".join("%s=%s" % kv for kv in sorted(b.items()))
    print(r["method"], r["path"], extra,
          "signed" if "authorization" in h else "unsigned",
          "problems=%d" % len(r.get("problems", ["?"])))
EOF
}
# run PROBE-ARGS...: awsprobe -v, everything it says kept for the secrets check
run() {
	probe -v "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	cat "$TMP/out" "$TMP/err" >> "$TMP/all-output"
	return $st
}
# the error of the last run: its last line, after the traces
errmsg() { tail -1 "$TMP/err"; }

# --- not logged in ------------------------------------------------------------
state
run -p dev creds
is "$?" 2 "not logged in: a configuration error (exit 2)"
is "$(errmsg)" "awsprobe: credentials: profile dev: no IAM Identity Center (SSO) login cached for sso-session my-sso: run: aws sso login --profile dev" \
    "and it says exactly what to run"
is "$(count_requests sso)" 0 "nothing was asked of the portal"

# --- the sso-session form ----------------------------------------------------
cli_login
run -p dev creds
is "$?:$(cat "$TMP/out")" "0:region eu-west-1
source IAM Identity Center (profile dev, account 111122223333, role ReadOnly)
key ASIASSOREADONLY" "sso-session: role credentials from the portal with the cached token"
is "$(received)" "GET /federation/credentials?role_name=ReadOnly&account_id=111122223333 bearer=SsoAccessNeverPrint-0 unsigned problems=0" \
    "GetRoleCredentials: the cached token as bearer, unsigned, valid for the sso model"
is "$(count_requests sso)" 1 "no refresh of a token valid for hours"
is "$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["headers"]["Host"])' "$TMP/sso.log")" \
    "127.0.0.1:$SSO_PORT" "AWS_ENDPOINT_URL_SSO is where the portal is asked"

state
AWS_ENDPOINT_URL=http://127.0.0.1:1 run -p dev creds
is "$?:$(count_requests sso)" "0:1" "AWS_ENDPOINT_URL_SSO wins over AWS_ENDPOINT_URL"

# the role credentials sign the calls, in the profile's region
start_fake ddb script "$TMP/answers.json"
printf '[{"status": 200, "body": "{\\"TableNames\\":[]}"}]' > "$TMP/answers.json"
state
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$FAKE_PORT run -p dev call dynamodb ListTables '{}'
is "$?:$(cat "$TMP/out")" '0:{"TableNames":[]}' "a DynamoDB call with SSO credentials"
is "$(/usr/bin/python3 -c 'import json,sys; h=json.loads(open(sys.argv[1]).readline())["headers"]; print(h["Authorization"].split(",")[0], h["X-Amz-Security-Token"])' "$TMP/ddb.log")" \
    "AWS4-HMAC-SHA256 Credential=ASIASSOREADONLY/$(date -u +%Y%m%d)/eu-west-1/dynamodb/aws4_request SsoRoleTokenNeverPrint-1" \
    "signed with the role's key and session token, for the profile's region"
/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" "$TMP/ddb.log" \
    SsoRoleSecretNeverPrint-ReadOnly >/dev/null
ok $? "botocore finds the signature made with the role's secret key"

# cached in memory until they near expiry, then fetched again
state
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$FAKE_PORT run -c 3 -p dev call dynamodb ListTables '{}'
is "$?:$(count_requests sso)" "0:1" "three calls in one process: one GetRoleCredentials"
state '{"credentials_lifetime": 200}'
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$FAKE_PORT run -c 3 -p dev call dynamodb ListTables '{}'
is "$?:$(count_requests sso)" "0:3" "credentials within 5 minutes of expiry are fetched again for each call"
grep -q 'expire soon: refreshing' "$TMP/err"
ok $? "and the trace says so"

# a settings line of the session repeated in the profile, with the same value
state
run -p same creds
is "$?:$(sed -n 3p "$TMP/out")" "0:key ASIASSOREADONLY" "a profile may repeat the session's settings"

# as the base of an assumed role (role_arn + source_profile)
start_fake sts sts
state
AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT run -p deploy creds
is "$?:$(sed -n 3p "$TMP/out")" "0:key ASIADEPLOY" "an SSO profile as source_profile of a role"
grep -q 'Credential=ASIASSOREADONLY/' "$TMP/sts.log"
ok $? "AssumeRole signed with the SSO role's credentials"

# --- refresh through SSO OIDC (sso-session only) --------------------------------------
cli_login --expires-in 600
state
run -p dev creds
is "$?:$(sed -n 3p "$TMP/out")" "0:key ASIASSOREADONLY" "a token with 10 minutes left is refreshed first"
is "$(received)" "POST /token clientId=client-FAKE clientSecret=SsoClientSecretNeverPrint grantType=refresh_token refreshToken=SsoRefreshNeverPrint-0 unsigned problems=0
GET /federation/credentials?role_name=ReadOnly&account_id=111122223333 bearer=SsoAccessNeverPrint-1 unsigned problems=0" \
    "CreateToken with the refresh grant (valid for the sso-oidc model), then the new token"
cli_check > "$TMP/check"
is "$?:$(tail -1 "$TMP/check")" "0:cli-readable" "the cache file written back is one the CLI reads, byte for byte its layout, mode 0600"
is "$(cut -d' ' -f1 "$TMP/check" | tr '\n' ' ')" \
    "startUrl region accessToken expiresAt clientId clientSecret registrationExpiresAt refreshToken cli-readable " \
    "with botocore's members in botocore's order"
is "$(/usr/bin/python3 -c '
import json, sys, time, datetime
d = json.load(open(sys.argv[1]))
e = datetime.datetime.strptime(d["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
print(d["accessToken"], d["refreshToken"], d["startUrl"], d["region"], abs(e - time.time() - 28800) < 60)' "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json)" \
    "SsoAccessNeverPrint-1 SsoRefreshNeverPrint-1 $START eu-central-1 True" \
    "the new access token, the rotated refresh token, expiresAt = now + expiresIn"
is "$(ls -a "$TMP/.aws/sso/cache" | grep -c '\.json\.')" 0 "no temporary file left beside it"
: > "$TMP/sso.log"
run -p dev creds
is "$?:$(received | cut -d' ' -f1-3)" "0:GET /federation/credentials?role_name=ReadOnly&account_id=111122223333 bearer=SsoAccessNeverPrint-1" \
    "the next run uses the refreshed token from the cache, without refreshing"

cli_login --expires-in -3600
state
run -p dev creds
is "$?:$(received | cut -d' ' -f1,2)" "0:POST /token
GET /federation/credentials?role_name=ReadOnly&account_id=111122223333" \
    "an expired token with a refresh token is refreshed"

# an answer without a refresh token: the cache keeps none (as botocore)
cli_login --expires-in 60
state '{"rotate_refresh_token": false}'
run -p dev creds
is "$?" 0 "a refresh answered without a refresh token"
is "$(grep -c refreshToken "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json)" 0 \
    "leaves the cache without one"

# refresh refused: still valid, keep using it; expired, ask for a login
cli_login --expires-in 600
state '{"faults": [{"path": "/token", "status": 500, "type": "InternalServerException", "times": 9}]}'
run -p dev creds
is "$?:$(received | cut -d' ' -f1,3)" "0:POST clientId=client-FAKE
POST clientId=client-FAKE
POST clientId=client-FAKE
GET bearer=SsoAccessNeverPrint-0" \
    "a refresh failing with 500 (retried) leaves the token, valid for 10 minutes more, in use"
grep -q 'not refreshed (SSO OIDC CreateToken: InternalServerException: injected fault (gave up after 3 attempts)); the token is still valid for' "$TMP/err"
ok $? "and the trace says why"

cli_login --expires-in -3600
cp "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json "$TMP/before"
state '{"refresh_tokens": []}'
run -p dev creds
is "$?" 2 "expired, and the refresh token refused: exit 2"
when=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expiresAt"])' "$TMP/before")
is "$(errmsg)" "awsprobe: credentials: profile dev: the IAM Identity Center (SSO) login for sso-session my-sso expired at $when (SSO OIDC CreateToken: InvalidGrantException: Invalid refresh token provided): run: aws sso login --profile dev" \
    "the message says when it expired, why it was not refreshed, and what to run"
cmp -s "$TMP/before" "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json
ok $? "the cache is left as it was"
is "$(received | cut -d' ' -f1)" "POST" "and the portal was not asked with an expired token"

cli_login --expires-in -3600 --registration-expires-in -60
state
run -p dev creds
is "$?:$(count_requests sso)" "2:0" "an expired client registration: no refresh attempted"
case $(errmsg) in
*"(the client registration has expired): run: aws sso login --profile dev") r=0 ;;
*) r=1 ;;
esac
ok $r "and the message says so"

# --- the legacy form (sso_start_url and sso_region in the profile) ----------
cli_login_legacy
state
run -p legacy creds
is "$?:$(sed -n 2,3p "$TMP/out")" "0:source IAM Identity Center (profile legacy, account 444455556666, role Admin)
key ASIASSOADMIN" "legacy: the token cached under the start URL's hash"
is "$(received)" "GET /federation/credentials?role_name=Admin&account_id=444455556666 bearer=SsoAccessNeverPrint-0 unsigned problems=0" \
    "its account and role"

cli_login_legacy --expires-in 600
state
run -p legacy creds
is "$?:$(received | cut -d' ' -f1)" "0:GET" "legacy: never refreshed, used while valid"
cli_login_legacy --expires-in -3600
state
run -p legacy creds
is "$?:$(count_requests sso)" "2:0" "legacy, expired: exit 2, nothing asked"
case $(errmsg) in
"awsprobe: credentials: profile legacy: the IAM Identity Center (SSO) login for start URL $LEGACY_START expired at "*" (a legacy profile (no sso_session) is never refreshed): run: aws sso login --profile legacy") r=0 ;;
*) r=1; errmsg | sed 's/^/# /' ;;
esac
ok $r "and says to log in again"

# older CLIs wrote "UTC" for "Z"
mkdir -p "$TMP/.aws/sso/cache"
printf '{"startUrl": "%s", "region": "us-east-2", "accessToken": "SsoAccessNeverPrint-0", "expiresAt": "2099-01-01T00:00:00UTC"}' \
    "$LEGACY_START" > "$TMP/.aws/sso/cache/$(printf %s "$LEGACY_START" | sha1sum | cut -c1-40).json"
state
run -p legacy creds
is "$?:$(received | cut -d' ' -f1)" "0:GET" "an expiresAt of the older CLI's form (…UTC) is read"

# --- the portal's answers ----------------------------------------------------------
cli_login
state '{"access_tokens": {}}'
run -p dev creds
is "$?" 2 "a token the portal no longer takes (signed out elsewhere): exit 2"
is "$(errmsg)" "awsprobe: credentials: profile dev: IAM Identity Center GetRoleCredentials: UnauthorizedException: Session token not found or invalid: run: aws sso login --profile dev" \
    "UnauthorizedException: log in again"
state '{"assignments": {}}'
run -p dev creds
is "$?:$(errmsg)" "3:awsprobe: credentials: profile dev: IAM Identity Center GetRoleCredentials: ResourceNotFoundException: No access" \
    "a role not assigned: a runtime failure with the portal's reason"
state '{"faults": [{"path": "/federation/credentials", "status": 429, "type": "TooManyRequestsException", "times": 1}]}'
run -p dev creds
is "$?:$(count_requests sso)" "0:2" "TooManyRequestsException is retried"
state '{"faults": [{"path": "/federation/credentials", "status": 503, "type": "ServiceUnavailable", "times": 9}]}'
run -p dev creds
is "$?:$(count_requests sso)" "3:3" "a portal that keeps failing: exit 3 after 3 attempts"

echo 'not json' > "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json
state
run -p dev creds
is "$?:$(count_requests sso)" "2:0" "a cache file that is not a token"
case $(errmsg) in
"awsprobe: credentials: profile dev: cached IAM Identity Center (SSO) token unusable: $TMP/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json: not a JSON object: run: aws sso login --profile dev") r=0 ;;
*) r=1 ;;
esac
ok $r "says which file and what to run"
printf '{"startUrl": "%s", "region": "eu-central-1", "accessToken": "SsoAccessNeverPrint-0"}' "$START" \
    > "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json
run -p dev creds
is "$?" 2 "a token without expiresAt is not used"

# --- settings -----------------------------------------------------------------------
run -p mismatch creds
is "$?:$(errmsg)" "2:awsprobe: credentials: profile mismatch: sso_start_url differs between the profile (https://other.awsapps.com/start) and sso-session my-sso ($START)" \
    "a setting that differs between profile and session is refused"
run -p nosession creds
is "$?:$(errmsg)" "2:awsprobe: credentials: profile nosession: sso-session nosuch not found in $TMP/config" \
    "an sso-session that does not exist"
run -p halfway creds
is "$?:$(errmsg)" "2:awsprobe: credentials: profile halfway: IAM Identity Center (SSO) profile without sso_role_name, sso_start_url, sso_region" \
    "what an SSO profile lacks is named"
run -p badregion creds
is "$?:$(errmsg)" "2:awsprobe: credentials: profile badregion: invalid sso_region: evil.example/x?" \
    "an sso_region that is no region name never reaches a URL"
run -p tokenonly creds
is "$?:$(errmsg)" "2:awsprobe: credentials: profile tokenonly: an IAM Identity Center (SSO) login without sso_account_id and sso_role_name gives no credentials: name the account and role in the profile" \
    "a login-only profile says what it lacks"
AWS_ENDPOINT_URL_SSO=not-a-url run -p dev creds
is "$?" 2 "a malformed AWS_ENDPOINT_URL_SSO is a configuration error"

# environment keys come first, unless --profile names the SSO profile
cli_login
state
AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=s-FAKE AWS_PROFILE=dev run creds
is "$?:$(sed -n 3p "$TMP/out"):$(count_requests sso)" "0:key AKIDENV:0" "environment keys beat AWS_PROFILE's SSO profile"
AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=s-FAKE run -p dev creds
is "$?:$(sed -n 3p "$TMP/out")" "0:key ASIASSOREADONLY" "--profile wins, as in the CLI"

# AWS_ENDPOINT_URL alone
: > "$TMP/sso.log"
env -u AWS_ENDPOINT_URL_SSO -u AWS_ENDPOINT_URL_SSO_OIDC \
    AWS_ENDPOINT_URL=http://127.0.0.1:$SSO_PORT "$top_builddir/tests/aws/awsprobe" \
    -p dev creds >/dev/null 2>&1
is "$?:$(count_requests sso)" "0:1" "AWS_ENDPOINT_URL covers the portal too"

# --- a program: what the README shows ------------------------------------------------
cli_login --expires-in -3600 --refresh-token ''
state
echo '{"HostIp":"203.0.113.50"}' | nfw-sync --verbose --profile dev \
    --rule-group blocklist >"$TMP/out" 2>"$TMP/err"
cat "$TMP/out" "$TMP/err" >> "$TMP/all-output"
when=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expiresAt"])' \
    "$TMP"/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json)
is "$(tail -1 "$TMP/err")" "nfw-sync: Network Firewall DescribeRuleGroup: profile dev: the IAM Identity Center (SSO) login for sso-session my-sso expired at $when (the cached token has no refresh token): run: aws sso login --profile dev" \
    "nfw-sync with an expired login says to log in again"

# --- secrets ---------------------------------------------------------------------------
grep -c . "$TMP/all-output" >/dev/null
ok $? "the runs above said something ($(wc -l < "$TMP/all-output") lines, --verbose)"
grep -q 'IAM Identity Center: the token of sso-session my-sso expires in' "$TMP/all-output"
ok $? "the traces include the refresh"
grep -n 'NeverPrint' "$TMP/all-output" | head -3 | sed 's/^/# /'
grep -q 'NeverPrint' "$TMP/all-output"
is "$?" 1 "no access token, refresh token, client secret or role secret in any output or trace"
grep -q -i 'SsoRole\|bearer' "$TMP/all-output"
is "$?" 1 "nor any part of the role credentials"
is "$(cat "$TMP/sso.err")" "" "the stand-in raised nothing"
