#!/bin/sh
# iam.sh: the IAM policies in share/examples/iam/ grant exactly the AWS
# actions each flow calls. Every flow runs through sechub-pipeline against
# the stand-ins (Network Firewall, which logs each operation, and dynalite
# for a DynamoDB store, behind a logging relay), on its ordinary path and on
# the reconcile a failed earlier run leaves pending; the actions seen are
# compared with the policy's: nothing missing, nothing extra. Resources are
# the rule group's and the table's ARNs, with placeholders.
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/slack/lib-slack.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
need_dynalite
IAM=$top_srcdir/share/examples/iam
PIPELINE=$top_srcdir/share/examples/sechub-pipeline
EVENTS=$top_srcdir/share/examples/demo/events.jsonl
plan 12

start_dynalite
export SECHUB_STORE=dynamodb:sechub-blocklist
ipstore init 2>/dev/null || { echo "Bail out! ipstore init failed"; exit 1; }
RELAY_PORT=$(free_port)
RELAY_LOG=$TMP/relay.log
: > "$RELAY_LOG"
python3 "$top_srcdir/tests/ship/iam-relay.py" "$RELAY_PORT" \
    "$AWS_ENDPOINT_URL_DYNAMODB" "$RELAY_LOG" 2>"$TMP/relay.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$RELAY_PORT" || { echo "Bail out! the relay did not start"; exit 1; }
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$RELAY_PORT
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$NFW_SECRET
export AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=1
jq '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
    |= map(select(.Priority != 30000 and .Priority != 30100))' \
    "$FIXTURES/nfw/group.json" > "$TMP/group.json"
start_fake "$TMP/group.json"
start_slack
export SECHUB_RULE_GROUP=blocklist SECHUB_STATE_DIR=$TMP/state

# called: the actions the stand-ins saw since the last call, one per line
called() {
	{ cat "$RELAY_LOG"
	  jq -r '"network-firewall:" + .Op' "$NFW_LOG"; } | sort -u
	: > "$RELAY_LOG"
	: > "$NFW_LOG"
}
# granted FILE: the actions the policy allows
granted() {
	jq -r '[.Statement[].Action] | flatten | .[]' "$1" | sort -u
}
# a firewall that fails once: the run leaves a reconcile pending
fail_firewall() {
	fake_control '{"faults":[{"op":"DescribeRuleGroup","status":500,"type":"InternalServerError","message":"injected","times":1}]}'
}

# --- record-ip -------------------------------------------------------------
called >/dev/null
SECHUB_NOW=2026-01-05T12:00:00Z "$PIPELINE" record "$EVENTS" 2>"$TMP/err" ||
	sed 's/^/# /' "$TMP/err"
fail_firewall
SECHUB_NOW=2026-01-06T12:00:00Z "$PIPELINE" record "$EVENTS" 2>/dev/null
ok $(test -e "$TMP/state/needs-reconcile"; echo $?) "record-ip: a failed run leaves a reconcile pending"
SECHUB_NOW=2026-01-07T12:00:00Z "$PIPELINE" record "$EVENTS" 2>"$TMP/err"
ok $(test $? -eq 0 && test ! -e "$TMP/state/needs-reconcile"; echo $?) \
    "record-ip: the next run reconciles and records"
# a replay of old events: their addresses were seen later already
SECHUB_NOW=2026-01-01T00:00:00Z "$PIPELINE" record "$EVENTS" 2>"$TMP/err" ||
	sed 's/^/# /' "$TMP/err"
called > record.called
is "$(cat record.called)" "$(granted "$IAM/record-ip.json")" \
    "record-ip.json grants exactly what record-ip calls"

# --- send-findings ---------------------------------------------------------
"$PIPELINE" send "$EVENTS" 2>"$TMP/err"
ok $? "send-findings runs"
is "$(called)" "" "send-findings calls no AWS action"
ok $(test ! -e "$IAM/send-findings.json"; echo $?) \
    "so it has no policy (it needs none)"

# --- prune-ip, a month later -------------------------------------------------
fail_firewall
SECHUB_NOW=2026-02-10T12:00:00Z "$PIPELINE" prune 2>/dev/null
SECHUB_NOW=2026-02-10T12:10:00Z "$PIPELINE" prune 2>"$TMP/err"
st=$?
sed "s/^/# /" "$TMP/err"
(exit $st)
ok $? "prune-ip: the next run reconciles and prunes"
is "$(ipstore count)" 0 "prune-ip: everything expired was removed"
called > prune.called
is "$(cat prune.called)" "$(granted "$IAM/prune-ip.json")" \
    "prune-ip.json grants exactly what prune-ip calls"
is "$(invalid)" "" "every request to the firewall was valid"

# --- resources ----------------------------------------------------------------
# every statement names ARNs of its actions' service, with placeholders
bad=$(jq -r --arg f "${IAM##*/}" '.Statement[] | . as $s
    | [.Action] | flatten | .[] | split(":")[0] as $svc
    | [$s.Resource] | flatten | .[]
    | select(
	($svc == "dynamodb" and (test("^arn:aws:dynamodb:REGION:ACCOUNT_ID:table/TABLE$") | not))
	or ($svc == "network-firewall" and (test("^arn:aws:network-firewall:REGION:ACCOUNT_ID:stateless-rulegroup/RULE_GROUP$") | not))
	or ($svc != "dynamodb" and $svc != "network-firewall"))' \
    "$IAM/record-ip.json" "$IAM/prune-ip.json")
is "$bad" "" "resources: the table's and the rule group's ARNs, placeholders for region, account and names"
ok $(! grep -q '"\*"' "$IAM/record-ip.json" "$IAM/prune-ip.json"; echo $?) \
    "no wildcard resource or action"
