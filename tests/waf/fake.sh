# fake.sh: sourced by tests/waf/*.sh: start the local WAF stand-in
# (tests/fakes/waf_server.py) on a free port with the IP sets of
# tests/waf/sets.json, point waf-sync at it with fake credentials, and read
# back what the sets hold.
. "$top_srcdir/tests/lib.sh"

/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
	skip_all "python3-botocore not installed (apt-get install python3-botocore)"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

tmpdir
cd "$TMP" || exit 99
WAF_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYWAFFAKEKEY
V4_ID=a1b2c3d4-5678-90ab-cdef-111122223333
V6_ID=b1b2c3d4-5678-90ab-cdef-111122223333
V4_ARN=arn:aws:wafv2:us-east-1:111122223333:regional/ipset/blocklist/$V4_ID
EDGE_ARN=arn:aws:wafv2:us-east-1:111122223333:global/ipset/edge/e1b2c3d4-5678-90ab-cdef-111122223333

# Everything AWS comes from here, nothing from the user's files or IMDS.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL \
    AWS_CA_BUNDLE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$WAF_SECRET
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=

# start_fake [ARGS...]: the stand-in, with its options (--limit N, ...)
# (the stand-in picks its own port and says which: no race with others)
start_fake() {
	WAF_LOG=$TMP/waf-requests.jsonl
	: > "$WAF_LOG"
	rm -f "$TMP/waf-port"
	/usr/bin/python3 "$top_srcdir/tests/fakes/waf_server.py" \
	    --port-file "$TMP/waf-port" --state "$top_srcdir/tests/waf/sets.json" \
	    --log "$WAF_LOG" --secret "$WAF_SECRET" "$@" &
	WAF_PID=$!
	at_exit "kill $WAF_PID 2>/dev/null"
	_i=0
	until [ -s "$TMP/waf-port" ]; do
		kill -0 "$WAF_PID" 2>/dev/null && [ $_i -lt 300 ] ||
		    { echo "Bail out! the stand-in did not start"; exit 1; }
		_i=$((_i + 1))
		sleep 0.1
	done
	WAF_PORT=$(cat "$TMP/waf-port")
	WAF_URL=http://127.0.0.1:$WAF_PORT
	export AWS_ENDPOINT_URL_WAFV2=$WAF_URL
}

# fake_control JSON: inject faults, rival writers, a barrier, other sets
fake_control() {
	if command -v curl >/dev/null 2>&1; then
		curl -sf -o /dev/null --data-binary "$1" "$WAF_URL/_control"
		return
	fi
	/usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/_control", sys.argv[2].encode()).read()' \
	    "$WAF_URL" "$1"
}

# fake_load FILE: the stand-in holds the IP sets of FILE from now on
fake_load() {
	fake_control "{\"load\": $(cat "$1")}"
}

fake_state() {
	if command -v curl >/dev/null 2>&1; then
		curl -sf "$WAF_URL/_state"
		return
	fi
	/usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1] + "/_state").read().decode())' \
	    "$WAF_URL"
}

# held NAME [REGION [SCOPE]]: the addresses of an IP set, space-separated
held() {
	fake_state | jq -r --arg n "$1" --arg r "${2:-us-east-1}" \
	    --arg s "${3:-REGIONAL}" '.IPSets[]
	    | select(.Name == $n and .Region == $r and .Scope == $s)
	    | .Addresses | join(" ")'
}

# calls OP: how many requests for OP reached the stand-in
calls() {
	jq -r --arg op "$1" 'select(.Op == $op) | .Op' "$WAF_LOG" | wc -l |
	    tr -d ' '
}

# mutating: the calls that could have changed something
mutating() {
	jq -r 'select(.Op != "GetIPSet" and .Op != "ListIPSets") | .Op' \
	    "$WAF_LOG" | tr '\n' ' '
}

# invalid: requests the stand-in found invalid (model, or a signature
# botocore's signer does not agree with, or the wrong service or region)
invalid() {
	jq -c 'select(.Valid == false or .Error == "InvalidSignatureException"
	    or .Error == "MissingAuthenticationTokenException")
	    | {Op, Problems, Error}' "$WAF_LOG"
}

# signatures: "ok" when botocore's signer agrees with the signature of
# every request the stand-in logged, else what it found
signatures() {
	_n=$(grep -c . "$WAF_LOG")
	_out=$(/usr/bin/python3 "$top_srcdir/tests/fakes/sigv4_verify.py" \
	    "$WAF_LOG" "$WAF_SECRET" 2>&1)
	_st=$?
	if [ $_st -eq 0 ] &&
	    [ "$(printf '%s\n' "$_out" | grep -c '^match ')" = "$_n" ]; then
		echo ok
	else
		printf '%s\n' "$_out" | grep -v '^match ' | head -5
	fi
}

# ips ADDR...: IP records on stdout
ips() {
	for a in "$@"; do
		printf '{"HostIp":"%s","FindingId":"f-%s"}\n' "$a" "$a"
	done
}
