# sechub-lib.sh: sourced by tests/sechub/*.sh: the Network Firewall and Slack
# stand-ins, a SQLite store and a configuration file naming them, so that
# sechub runs as an operator would run it.
. "$top_srcdir/tests/nfw/fake.sh"
. "$top_srcdir/tests/slack/lib-slack.sh"
# (valgrind pass: sechub under memcheck; the filters it runs, and those that
# set up or check, as they are)
vg_only sechub

EVENTS=$top_srcdir/share/examples/demo/events.jsonl
RECORD_PATTERN=$top_srcdir/share/examples/patterns/catch-remote-hosts.json
SEND_PATTERN=$top_srcdir/share/examples/patterns/high-critical.json

# a rule group that holds nothing of ours yet
jq '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
    |= map(select(.Priority != 30000 and .Priority != 30100))' \
    "$FIXTURES/nfw/group.json" > "$TMP/group.json"
start_fake "$TMP/group.json"

mkdir -p "$TMP/state"
cat > "$TMP/config" <<EOF2
[default]
store = sqlite:$TMP/blocklist.db
rule_group = blocklist
state_dir = $TMP/state
record_pattern = $RECORD_PATTERN
send_pattern = $SEND_PATTERN
allow = 192.0.2.128/25
EOF2
export SECHUB_CONFIG=$TMP/config AWS_MAX_ATTEMPTS=2
unset SLACK_WEBHOOK_URL

# both rules, as "a b c" sorted
sorted() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }
group_blocks() { blocked 30000 Sources | sorted; }
dst_blocks() { blocked 30100 Destinations | sorted; }
store_ips() { ipstore list | jq -r .HostIp | sort | tr '\n' ' ' | sed 's/ $//'; }
pending_ips() { ipstore list --removed | jq -r .HostIp | sort | tr '\n' ' ' | sed 's/ $//'; }
store_hash() { sha256sum "$TMP/blocklist.db" | cut -c1-64; }
updates() { calls UpdateRuleGroup; }
