# flows-lib.sh: the three flows end to end, through sechub run,
# against the local stand-ins: Network Firewall (tests/fakes/nfw_server.py),
# Slack (tests/fakes/slack_server.py) and the store named by FLOW_STORE
# (sqlite, or dynamodb on dynalite). Sourced by flows-sqlite.sh and
# flows-dynamodb.sh, which set FLOW_STORE.
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/slack/lib-slack.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
# (valgrind pass: sechub under memcheck; what checks the store, as it is)
vg_only sechub

if [ "$FLOW_STORE" = dynamodb ]; then
	need_dynalite
	start_dynalite
	start_ddb_relay		# its log shows the writes that reached DynamoDB
	export SECHUB_STORE=dynamodb:sechub-blocklist
	ipstore init 2>/dev/null || { echo "Bail out! ipstore init failed"; exit 1; }
else
	export SECHUB_STORE=sqlite:$TMP/blocklist.db
fi
# the stand-ins check signatures with the fake's secret; dynalite does not
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$NFW_SECRET
export AWS_REGION=us-east-1 AWS_MAX_ATTEMPTS=2

# a rule group holding no blocks of ours yet: the fixture without 30000/30100
jq '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
    |= map(select(.Priority != 30000 and .Priority != 30100))' \
    "$FIXTURES/nfw/group.json" > "$TMP/group.json"
start_fake "$TMP/group.json"
start_slack

EVENTS=$top_srcdir/share/examples/demo/events.jsonl
export SECHUB_RULE_GROUP=blocklist SECHUB_STATE_DIR=$TMP/state
# the remote hosts the demo events matched by catch-remote-hosts name (every
# action type, IPv4 and IPv6; the original's catch-ipv4 matched seven), and
# the blocks nfw-sync aggregates them into
WANT_IPS="198.51.100.2 198.51.100.6 198.51.100.13 198.51.100.16 198.51.100.18 198.51.100.25 198.51.100.27 198.51.100.29 198.51.100.31 198.51.100.33 198.51.100.35 198.51.100.38 198.51.100.39 198.51.100.43 198.51.100.44 198.51.100.45 198.51.100.46 198.51.100.48 203.0.113.195 2001:db8:101::8 2001:db8:102::9 2001:db8:103::a 2001:db8:104::b 2001:db8:a86c:2::1305"
WANT="198.51.100.2/32 198.51.100.6/32 198.51.100.13/32 198.51.100.16/32 198.51.100.18/32 198.51.100.25/32 198.51.100.27/32 198.51.100.29/32 198.51.100.31/32 198.51.100.33/32 198.51.100.35/32 198.51.100.38/31 198.51.100.43/32 198.51.100.44/31 198.51.100.46/32 198.51.100.48/32 203.0.113.195/32 2001:db8:101::8/128 2001:db8:102::9/128 2001:db8:103::a/128 2001:db8:104::b/128 2001:db8:a86c:2::1305/128"

sorted() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }
store_ips() { ipstore list | jq -r .HostIp | sort | tr '\n' ' ' | sed 's/ $//'; }
want_ips() { echo "$WANT_IPS" | sorted; }
posts() { slack_q 'len(P)'; }
posted() { slack_q "any('$1' in json.dumps(p) for p in P)"; }

# snapshot, then unchanged: nothing changed anywhere (the store: its file's
# bytes, or no write reached DynamoDB; the firewall: no UpdateRuleGroup;
# Slack: no post)
snapshot() {
	if [ "$FLOW_STORE" = dynamodb ]; then
		snap_store=$(wc -l < "$DDB_RELAY_LOG")
	else
		snap_store=$(sha256sum < "$TMP/blocklist.db")
	fi
	snap_nfw=$(calls UpdateRuleGroup)
	snap_posts=$(posts)
}
unchanged() {
	if [ "$FLOW_STORE" = dynamodb ]; then
		is "$(ddb_writes_since "$snap_store")" "" "$1: no write reached DynamoDB"
	else
		is "$(sha256sum < "$TMP/blocklist.db")" "$snap_store" \
		    "$1: the store's bytes are unchanged"
	fi
	is "$(calls UpdateRuleGroup):$(posts)" "$snap_nfw:$snap_posts" \
	    "$1: no UpdateRuleGroup, no Slack post"
}

plan 30

# --- record-ip ---------------------------------------------------------------
SECHUB_NOW=2026-01-05T12:00:00Z sechub run record "$EVENTS" 2>"$TMP/err" ||
    { st=$?; sed "s/^/# /" "$TMP/err"; (exit $st); }
ok $? "record-ip: sechub run record succeeds"
is "$(blocked 30000 Sources | sorted)" "$(echo "$WANT" | sorted)" \
    "record-ip: the Sources rule drops the 24 remote addresses"
is "$(blocked 30100 Destinations | sorted)" "$(echo "$WANT" | sorted)" \
    "record-ip: the Destinations rule drops the same addresses"
is "$(store_ips)" "$(want_ips)" "record-ip: the store holds them"
is "$(ipstore get 198.51.100.13 | jq -r .CreatedAt)" "2026-01-05T12:00:00Z" \
    "record-ip: CreatedAt comes from the clock"
is "$(posted 198.51.100.13)" True "record-ip: Slack was told of the blocks"
is "$(others)" "$(jq -cS '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
    |= map(select(.Priority != 30000 and .Priority != 30100))
    | del(.UpdateToken, .RuleGroupResponse.ConsumedCapacity, .RuleGroupResponse.LastModifiedTime)' "$TMP/group.json")" \
    "record-ip: every other part of the rule group is as it was"

# --- send-findings -------------------------------------------------------------
before=$(posts)
sechub run send "$EVENTS" 2>"$TMP/err"
ok $? "send-findings: sechub run send succeeds"
ok $(test "$(posts)" -gt "$before"; echo $?) "send-findings: a message was posted"
is "$(posted CRITICAL)" True "send-findings: it names the CRITICAL findings"

# --- dry runs: -n changes nothing anywhere -------------------------------------
snapshot
SECHUB_NOW=2026-01-20T00:00:00Z sechub -n run record "$EVENTS" >/dev/null 2>"$TMP/err"
ok $? "-n record: the dry run succeeds"
unchanged "-n record"
SECHUB_NOW=2026-02-05T12:00:00Z sechub -n run prune >/dev/null 2>"$TMP/err"
ok $? "-n prune: the dry run succeeds"
unchanged "-n prune"
is "$(store_ips)" "$(want_ips)" "-n prune: every address is still blocked in the store"

# --- prune-ip, 31 days later -----------------------------------------------------
SECHUB_NOW=2026-02-05T12:00:00Z sechub run prune 2>"$TMP/err"
ok $? "prune-ip: sechub run prune succeeds"
is "$(store_ips)" "" "prune-ip: every expired address left the blocklist"
is "$(ipstore count --all)" 0 \
    "prune-ip: and, the group no longer blocking them, the store forgot them"
is "$(blocked 30000 Sources)$(blocked 30100 Destinations)" "" \
    "prune-ip: the rule group blocks nothing of ours any more"

# --- a failure in the middle stage, then a re-run ------------------------------------
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":500,"type":"InternalServerError","message":"injected","times":2}]}'
st=0
SECHUB_NOW=2026-03-01T00:00:00Z sechub run record "$EVENTS" 2>"$TMP/err" || st=$?
is "$st" 3 "record-ip with a failing firewall: sechub run record fails (3)"
is "$(grep -c 'nfw-sync blocklist.*failed' "$TMP/err")" 1 \
    "record-ip with a failing firewall: the failed stage is named"
is "$(store_ips)" "$(want_ips)" "the store already holds the addresses"
is "$(blocked 30000 Sources)" "" "the rule group does not (yet)"
is "$(sechub status --format json | jq -r 'select(.Target) | .NotBlocked[]' | sorted)" \
    "$(echo "$WANT" | sorted)" "sechub status: they are in the store but not blocked"
SECHUB_NOW=2026-03-01T00:10:00Z sechub run prune 2>"$TMP/err"
ok $? "the next run (prune) succeeds"
is "$(blocked 30000 Sources | sorted)" "$(echo "$WANT" | sorted)" \
    "the next run made the rule group block what the store holds"
sechub status >/dev/null 2>&1
ok $? "sechub status: in sync"
is "$(invalid)" "" "no request to the firewall was invalid"
