#!/bin/sh
# iam.sh: the IAM policies in share/examples/iam/ grant exactly the AWS
# actions each flow calls. Every flow runs through sechub run against
# the stand-ins (Network Firewall, which logs each operation, and dynalite
# for a DynamoDB store, behind a logging relay), on its ordinary path and on
# the repair that follows a failed earlier run; the actions seen are
# compared with the policy's: nothing missing, nothing extra. Resources are
# the rule group's and the table's ARNs, with placeholders.
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/slack/lib-slack.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
need_dynalite
IAM=$top_srcdir/share/examples/iam
EVENTS=$top_srcdir/share/examples/demo/events.jsonl
plan 20
vg_only sechub

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
# a firewall that fails once: the run leaves the group behind the store
fail_firewall() {
	fake_control '{"faults":[{"op":"DescribeRuleGroup","status":500,"type":"InternalServerError","message":"injected","times":1}]}'
}

# --- record-ip -------------------------------------------------------------
# an address blocked by hand, which the events do not name
printf '{"HostIp":"203.0.113.77"}\n' |
    SECHUB_NOW=2026-01-05T11:00:00Z ipstore add >/dev/null
called >/dev/null
SECHUB_NOW=2026-01-05T12:00:00Z sechub run record "$EVENTS" 2>"$TMP/err" ||
	sed 's/^/# /' "$TMP/err"
fail_firewall
st=0
SECHUB_NOW=2026-01-06T12:00:00Z sechub run record "$EVENTS" 2>/dev/null || st=$?
is "$st" 3 "record-ip: a run against a failing firewall fails"
# that address unblocked by hand, with no firewall call since: pending, so
# the next record run's reconcile forgets it (DeleteItem) once the group no
# longer blocks it
SECHUB_NOW=2026-01-06T13:00:00Z ipstore rm 203.0.113.77 >/dev/null
SECHUB_NOW=2026-01-07T12:00:00Z sechub run record "$EVENTS" 2>"$TMP/err"
ok $? "record-ip: the next run records and repairs"
# a replay of old events: their addresses were seen later already
SECHUB_NOW=2026-01-01T00:00:00Z sechub run record "$EVENTS" 2>"$TMP/err" ||
	sed 's/^/# /' "$TMP/err"
called > record.called
is "$(cat record.called)" "$(granted "$IAM/record-ip.json")" \
    "record-ip.json grants exactly what record-ip calls"

# --- send-findings ---------------------------------------------------------
sechub run send "$EVENTS" 2>"$TMP/err"
ok $? "send-findings runs"
is "$(called)" "" "send-findings calls no AWS action"
ok $(test ! -e "$IAM/send-findings.json"; echo $?) \
    "so it has no policy (it needs none)"

# --- prune-ip, a month later -------------------------------------------------
fail_firewall
SECHUB_NOW=2026-02-10T12:00:00Z sechub run prune 2>/dev/null
SECHUB_NOW=2026-02-10T12:10:00Z sechub run prune 2>"$TMP/err"
st=$?
sed "s/^/# /" "$TMP/err"
(exit $st)
ok $? "prune-ip: the next run reconciles and prunes"
is "$(ipstore count)" 0 "prune-ip: everything expired was removed"
called > prune.called
is "$(cat prune.called)" "$(granted "$IAM/prune-ip.json")" \
    "prune-ip.json grants exactly what prune-ip calls"
is "$(invalid)" "" "every request to the firewall was valid"

# --- the operator's commands ---------------------------------------------------
# each one's actions, one per line: "COMMAND ACTION"
: > ops.called
for cmd in "status" "block 198.51.100.9 --reason iam-test" \
    "unblock 198.51.100.9 --reason iam-test" "reconcile" "doctor"; do
	# shellcheck disable=SC2086
	SECHUB_NOW=2026-02-10T13:00:00Z sechub $cmd >/dev/null 2>"$TMP/err"
	echo "# sechub $cmd: exit $?"
	called | sed "s/^/${cmd%% *} /" >> ops.called
done
# doctor also asks STS who the caller is (GetCallerIdentity needs no
# permission, so no policy names it); here it has no STS to ask
actions() { sed -n "s/^\($1\) //p" ops.called | sort -u; }
for c in status block unblock reconcile doctor; do
	n=$(actions "$c" | wc -l)
	ok $(test "$n" -gt 0; echo $?) "sechub $c calls AWS ($n actions)"
done
is "$(actions 'status\|doctor')" "$(granted "$IAM/monitor.json")" \
    "monitor.json grants exactly what sechub status and doctor call"
is "$(actions '[a-z]*')" "$(granted "$IAM/operator.json")" \
    "operator.json grants exactly what block, unblock, reconcile, status and doctor call"
is "$(invalid)" "" "every request of the operator's commands to the firewall was valid"

# --- resources ----------------------------------------------------------------
# every statement names ARNs of its actions' service, with placeholders
bad=$(jq -r --arg f "${IAM##*/}" '.Statement[] | . as $s
    | [.Action] | flatten | .[] | split(":")[0] as $svc
    | [$s.Resource] | flatten | .[]
    | select(
	($svc == "dynamodb" and (test("^arn:aws:dynamodb:REGION:ACCOUNT_ID:table/TABLE$") | not))
	or ($svc == "network-firewall" and (test("^arn:aws:network-firewall:REGION:ACCOUNT_ID:stateless-rulegroup/RULE_GROUP$") | not))
	or ($svc != "dynamodb" and $svc != "network-firewall"))' \
    "$IAM/record-ip.json" "$IAM/prune-ip.json" "$IAM/operator.json" \
    "$IAM/monitor.json")
is "$bad" "" "resources: the table's and the rule group's ARNs, placeholders for region, account and names"
ok $(! grep -q '"\*"' "$IAM/record-ip.json" "$IAM/prune-ip.json" \
    "$IAM/operator.json" "$IAM/monitor.json"; echo $?) \
    "no wildcard resource or action"
