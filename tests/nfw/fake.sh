# fake.sh: sourced by tests/nfw/*.sh: start the local Network Firewall
# stand-in (tests/fakes/nfw_server.py) on a free port with a rule group,
# point nfw-sync at it with fake credentials, and read back what it holds.
. "$top_srcdir/tests/lib.sh"

/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
	skip_all "python3-botocore not installed (apt-get install python3-botocore)"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

tmpdir
cd "$TMP" || exit 99
NFW_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEFAKEKEY
GROUP_ARN=arn:aws:network-firewall:us-east-1:111122223333:stateless-rulegroup/blocklist

# Everything AWS comes from here, nothing from the user's files or IMDS.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL \
    AWS_CA_BUNDLE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$NFW_SECRET
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=

# start_fake [STATE-FILE [ARGS...]]: the group defaults to
# tests/fixtures/nfw/group.json; ARGS (the stand-in's --keys, --role,
# --region...) replace the default --secret "$NFW_SECRET"
start_fake() {
	NFW_PORT=$(free_port)
	NFW_LOG=$TMP/nfw-requests.$NFW_PORT.jsonl
	: > "$NFW_LOG"
	_state=${1:-$FIXTURES/nfw/group.json}
	[ $# -gt 0 ] && shift
	[ $# -eq 0 ] && set -- --secret "$NFW_SECRET"
	/usr/bin/python3 "$top_srcdir/tests/fakes/nfw_server.py" \
	    --port "$NFW_PORT" --state "$_state" --log "$NFW_LOG" "$@" &
	NFW_PID=$!
	at_exit "kill $NFW_PID 2>/dev/null"
	wait_port "$NFW_PORT" || { echo "Bail out! fake did not start"; exit 1; }
	NFW_URL=http://127.0.0.1:$NFW_PORT
	export AWS_ENDPOINT_URL_NETWORK_FIREWALL=$NFW_URL
}

# fake_control JSON: inject faults, delays, rival writers
fake_control() {
	/usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/_control", sys.argv[2].encode()).read()' \
	    "$NFW_URL" "$1"
}

# fake_load STATE-FILE: the stand-in holds this group from now on (faults,
# delays and rivals cleared), and its request log starts again
fake_load() {
	/usr/bin/python3 -c 'import json, sys, urllib.request
body = json.dumps({"state": json.load(open(sys.argv[2]))}).encode()
urllib.request.urlopen(sys.argv[1] + "/_control", body).read()' \
	    "$NFW_URL" "$1"
	: > "$NFW_LOG"
}

# fake_state [GROUP]: the first group, or the one of this name or ARN
fake_state() {
	/usr/bin/python3 -c 'import sys, urllib.parse, urllib.request
q = "?group=" + urllib.parse.quote(sys.argv[2]) if len(sys.argv) > 2 else ""
sys.stdout.write(urllib.request.urlopen(sys.argv[1] + "/_state" + q).read().decode())' \
	    "$NFW_URL" "$@"
}

# group_answer NAME REGION ACCOUNT [CAPACITY]: a DescribeRuleGroup answer
# of a group holding group.json's other rules and nothing of ours
group_answer() {
	jq -c --arg n "$1" --arg r "$2" --arg a "$3" --argjson c "${4:-100}" '
	    .RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
	      |= map(select(.Priority != 30000 and .Priority != 30100))
	    | .RuleGroupResponse.RuleGroupArn =
	      "arn:aws:network-firewall:\($r):\($a):stateless-rulegroup/\($n)"
	    | .RuleGroupResponse.RuleGroupName = $n
	    | .RuleGroupResponse.Capacity = $c
	    | del(.UpdateToken)' \
	    "$FIXTURES/nfw/group.json"
}

# blocked PRIORITY KEY [GROUP]: the address list of a rule, space-separated
blocked() {
	fake_state ${3:+"$3"} | jq -r --argjson p "$1" --arg k "$2" '
	    [.RuleGroup.RulesSource.StatelessRulesAndCustomActions
	     .StatelessRules[] | select(.Priority == $p)
	     | .RuleDefinition.MatchAttributes[$k][].AddressDefinition]
	    | join(" ")'
}

# everything but our two rules, canonical
others() {
	fake_state | jq -cS '
	    (.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
	     |= map(select(.Priority != 30000 and .Priority != 30100)))
	    | del(.UpdateToken, .RuleGroupResponse.ConsumedCapacity,
		  .RuleGroupResponse.LastModifiedTime)'
}

# calls OP [GROUP-ARN]: how many requests for OP reached the fake (for
# that group)
calls() {
	jq -r --arg op "$1" --arg g "${2:-}" 'select(.Op == $op and
	    ($g == "" or .RuleGroupArn == $g)) | .Op' "$NFW_LOG" | wc -l |
	    tr -d ' '
}

# invalid: requests the fake found invalid (model or signature)
invalid() {
	jq -c 'select(.Valid == false or .Error == "InvalidSignatureException"
	    or .Error == "MissingAuthenticationTokenException")' "$NFW_LOG"
}

# ips ADDR...: IP records on stdout
ips() {
	for a in "$@"; do
		printf '{"HostIp":"%s","FindingId":"f-%s"}\n' "$a" "$a"
	done
}
