#!/bin/sh
# demo.sh: the three flows of sechub-tools on the bundled sample events,
# with the embedded SQLite store (a throw-away file), the firewall planned
# against a saved rule group (nfw-sync --describe-file, a dry run) and Slack
# in dry-run. Nothing leaves this machine.
#   sh share/examples/demo.sh [BINDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && PATH=$1:$PATH
export PATH
for p in sh-match sh-extract-ip ipstore ipstore-prune nfw-sync slack-notify jq; do
	command -v "$p" >/dev/null 2>&1 || { echo "demo: $p not found" >&2; exit 2; }
done

events=$here/demo/events.jsonl
describe=$here/demo/blocklist-describe.json
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sechub-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export SECHUB_STORE="sqlite:$tmp/blocklist.db"
unset SLACK_WEBHOOK_URL
nfw="nfw-sync --rule-group blocklist"
slack="slack-notify --dry-run --group-window 1s"

count() { if [ -s "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }
first_text() { [ -s "$1" ] && head -n 1 "$1" | jq -r '.text' | cut -c 1-100; }
list() { jq -r "$1" | head -n "${2:-6}" | tr '\n' ' '; }

echo "sechub-tools demo: $(count "$events") sample Security Hub events, store $SECHUB_STORE"
echo "(firewall planned against demo/blocklist-describe.json, Slack in dry-run: nothing is changed or sent)"
echo

# --- record-ip -------------------------------------------------------------
export SECHUB_NOW=2026-01-05T12:00:00Z
sh-match -p "$here/patterns/catch-remote-hosts.json" "$events" > "$tmp/matched.jsonl"
sh-extract-ip "$tmp/matched.jsonl" > "$tmp/ips.jsonl"
ipstore add "$tmp/ips.jsonl" > "$tmp/stored.jsonl"
$nfw --describe-file "$describe" "$tmp/stored.jsonl" > "$tmp/plan.json"
$slack --payloads "$tmp/record.payloads" "$tmp/plan.json" 2>/dev/null >/dev/null
echo "record-ip    sh-match -p catch-remote-hosts.json | sh-extract-ip | ipstore add | nfw-sync | slack-notify"
echo "  $(count "$tmp/matched.jsonl") events matched catch-remote-hosts; $(count "$tmp/ips.jsonl") remote addresses;" \
    "$(jq -s 'map(select(.NewIP)) | length' "$tmp/stored.jsonl") new in the store"
echo "  would block: $(jq -r '.AddedBlocks[]' "$tmp/plan.json" | tr '\n' ' ')"
echo "  rule group: $(jq -r '"\(.Total) addresses in \(.Blocks) blocks, capacity \(.CapacityUsed) of \(.Capacity)"' "$tmp/plan.json")"
echo "  Slack messages: $(count "$tmp/record.payloads"), the first: $(first_text "$tmp/record.payloads")"
echo

# --- send-findings ---------------------------------------------------------
sh-match -p "$here/patterns/high-critical.json" "$events" > "$tmp/high.jsonl"
$slack --severity HIGH,CRITICAL --payloads "$tmp/send.payloads" "$tmp/high.jsonl" 2>/dev/null >/dev/null
echo "send-findings  sh-match -p high-critical.json | slack-notify --severity HIGH,CRITICAL"
echo "  $(count "$tmp/high.jsonl") events with HIGH or CRITICAL findings; Slack messages: $(count "$tmp/send.payloads"), the first:"
echo "  $(first_text "$tmp/send.payloads")"
echo

# --- prune-ip, 31 days later ------------------------------------------------
export SECHUB_NOW=2026-02-05T12:00:00Z
# the rule group as the record-ip plan would have left it
jq --slurpfile d "$describe" '{UpdateToken: "0f9e8d7c-6b5a-4c3d-9e8f-7a6b5c4d3e2f",
    RuleGroup: .UpdateRuleGroup.RuleGroup,
    RuleGroupResponse: $d[0].RuleGroupResponse}' "$tmp/plan.json" > "$tmp/after.json"
ipstore-prune --older-than 720h --removed > "$tmp/removed.jsonl"
$nfw --remove --describe-file "$tmp/after.json" "$tmp/removed.jsonl" > "$tmp/unplan.json"
$slack --payloads "$tmp/prune.payloads" "$tmp/unplan.json" 2>/dev/null >/dev/null
echo "prune-ip     (clock moved to $SECHUB_NOW, 31 days later)"
echo "             ipstore-prune --older-than 720h --removed | nfw-sync --remove | slack-notify"
echo "  expired and removed from the store: $(count "$tmp/removed.jsonl"); left: $(ipstore count)"
echo "  would unblock: $(jq -r '.RemovedBlocks[]' "$tmp/unplan.json" | tr '\n' ' ')"
echo "  Slack messages: $(count "$tmp/prune.payloads"), the first: $(first_text "$tmp/prune.payloads")"
