#!/bin/sh
# lib/http.c against local servers: one attempt per request, lower-cased
# response headers, timeouts, TLS verification with AWS_CA_BUNDLE, proxies
# bypassed for loopback, URL paths kept out of errors.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
# skip N REASON: N test points skipped
skip() {
	_i=0
	while [ $_i -lt "$1" ]; do
		_tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $2"; _i=$((_i + 1))
	done
}
aws_clean_env
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
plan 17

cat > "$TMP/answers.json" <<'EOF2'
[{"status": 503, "body": "busy", "content_type": "text/plain",
  "headers": {"X-Mixed-Case": "  padded value  ", "Retry-After": "7"}}]
EOF2
start_fake web script "$TMP/answers.json"
WEB=$FAKE_PORT

probe http POST "http://127.0.0.1:$WEB/x?y=1" '{"a":1}' > "$TMP/out" 2>&1
is "$?" 0 "a 503 is a response, not a failure"
is "$(count_requests web)" 1 "one attempt per request: the caller retries"
grep -q '^status 503$' "$TMP/out"
ok $? "the status is reported"
grep -q '^header x-mixed-case: padded value$' "$TMP/out"
ok $? "header names lower-cased, values trimmed"
grep -q '^retry-after-ms 7000$' "$TMP/out"
ok $? "Retry-After read from the response"
is "$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); h={k.lower():v for k,v in r["headers"].items()}; print(r["method"], r["path"], r["body"], h.get("x-probe"), h.get("content-type"), h.get("expect"))' "$TMP/web.log")" \
    'POST /x?y=1 {"a":1} 1 None None' \
    "the request went as given: no default content type, no Expect"

# timeouts
printf '[{"sleep": 30, "status": 200}]' > "$TMP/slow.json"
start_fake slow script "$TMP/slow.json"
start=$(date +%s)
PROBE_TIMEOUT_MS=400 probe http GET "http://127.0.0.1:$FAKE_PORT/" >/dev/null 2>"$TMP/err"
rc=$?
is "$rc" 3 "a server that does not answer in time is a transport failure"
ok "$([ $(( $(date +%s) - start )) -lt 20 ] && echo 0 || echo 1)" "and the call returns before the server would"

# TLS: verified always; AWS_CA_BUNDLE adds trust
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" \
    -out "$TMP/cert.pem" >/dev/null 2>&1
printf '[{"status": 200, "body": "tls ok", "content_type": "text/plain"}]' > "$TMP/tls.json"
FAKE_TLS_CERT=$TMP/cert.pem FAKE_TLS_KEY=$TMP/key.pem start_fake tls script "$TMP/tls.json"
TLS=$FAKE_PORT
PROBE_CONNECT_TIMEOUT_MS=60000
export PROBE_CONNECT_TIMEOUT_MS
probe http GET "https://127.0.0.1:$TLS/" >/dev/null 2>"$TMP/err"
is "$?" 3 "a certificate nobody vouches for is refused"
grep -qi 'certificate' "$TMP/err"
ok $? "and the error says why"
AWS_CA_BUNDLE=$TMP/cert.pem probe http GET "https://127.0.0.1:$TLS/" >"$TMP/out" 2>&1
is "$?:$(grep '^body' "$TMP/out")" "0:body tls ok" "AWS_CA_BUNDLE makes it trusted"

# the AWS layer: AWS_CA_BUNDLE, or ca_bundle in the profile
printf '[{"status": 200, "body": "{\\"TableNames\\":[]}"}]' > "$TMP/tlsddb.json"
FAKE_TLS_CERT=$TMP/cert.pem FAKE_TLS_KEY=$TMP/key.pem start_fake tlsddb script "$TMP/tlsddb.json"
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret-FAKE AWS_REGION=us-east-1
export AWS_ENDPOINT_URL=https://127.0.0.1:$FAKE_PORT
if [ -n "$SECHUB_VALGRIND" ]; then
	skip 3 "TLS handshakes outlast the connect timeout under valgrind"
else
	probe call dynamodb ListTables '{}' >/dev/null 2>"$TMP/err"
	is "$?" 3 "aws_call: an unknown certificate is refused"
	is "$(AWS_CA_BUNDLE=$TMP/cert.pem probe call dynamodb ListTables '{}' 2>&1)" \
	    '{"TableNames":[]}' "AWS_CA_BUNDLE trusts it"
	printf '[default]\nca_bundle = %s\n' "$TMP/cert.pem" > "$TMP/config"
	is "$(probe call dynamodb ListTables '{}' 2>&1)" '{"TableNames":[]}' \
	    "so does ca_bundle in the profile"
fi
unset AWS_ENDPOINT_URL

# loopback never goes through a proxy
http_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
    probe http GET "http://127.0.0.1:$WEB/" >/dev/null 2>&1
is "$?" 0 "loopback requests bypass http_proxy"

# a webhook-like URL path is a secret: never in an error
port=$(free_port)
probe http POST "http://127.0.0.1:$port/services/T000/B000/XXXXSECRETXXXX" x >/dev/null 2>"$TMP/err"
is "$?" 3 "nothing listening: a transport failure"
grep -q XXXXSECRETXXXX "$TMP/err"
is "$?" 1 "the URL path is not in the message"
