#!/bin/sh
# block.sh: sechub block and unblock against the stand-ins: one step onto
# every target and into the store, the rails, the floor, the dry run that
# changes nothing, and unblock leaving store and group as they were.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
plan 29
start_slack

out=$(SECHUB_NOW=2026-05-01T00:00:00Z sechub block --reason "ticket 4711" \
    203.0.113.50 198.51.100.0/24 2>"$TMP/err")
is "$?" 0 "block: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.HostIp, .Blocked, .NewIP, .Reason, .Source] | @tsv' | sort)" \
    "$(printf '198.51.100.0/24\ttrue\ttrue\tticket 4711\tmanual\n203.0.113.50\ttrue\ttrue\tticket 4711\tmanual')" \
    "block: one record per address, blocked, new, with the reason"
is "$(group_blocks)" "198.51.100.0/24 203.0.113.50/32" "block: the Sources rule drops them"
is "$(dst_blocks)" "198.51.100.0/24 203.0.113.50/32" "block: the Destinations rule too"
is "$(store_ips)" "198.51.100.0/24 203.0.113.50" "block: the store holds them"
is "$(ipstore get 203.0.113.50 | jq -r '.BlockedBy | test("@")')" true \
    "block: the store says who did it"
is "$(slack_q "any('203.0.113.50' in json.dumps(p) for p in P)")" True \
    "block: the channel was told"

# the rails
out=$(sechub block 10.0.0.5 192.0.2.200 0.0.0.0/0 10.0.0.0/8 2>&1 >/dev/null; echo "status $?")
is "$out" "sechub: 10.0.0.5: refused: special-purpose: private (RFC 1918)
sechub: 192.0.2.200: refused: allowlisted: 192.0.2.128/25
sechub: 0.0.0.0/0: refused: special-purpose: 0.0.0.0/0 (every IPv4 address)
sechub: 10.0.0.0/8: refused: special-purpose: private (RFC 1918)
status 1" "block refuses what the rails refuse, each with its reason"
out=$(sechub block 203.0.0.0/12 2>&1 >/dev/null; echo "status $?")
is "$out" "sechub: 203.0.0.0/12: refused: wider than /16: use --force if you mean it
status 1" "block refuses a block wider than /16"
out=$(sechub block 2001:db0::/28 2>&1 >/dev/null; echo "status $?")
is "$out" "sechub: 2001:db0::/28: refused: wider than /32: use --force if you mean it
status 1" "and one wider than /32 for IPv6"
is "$(group_blocks)" "198.51.100.0/24 203.0.113.50/32" "nothing refused reached the group"

# the dry run changes nothing anywhere
before=$(store_hash) n=$(updates)
out=$(sechub -n block 203.0.113.77 2>/dev/null)
is "$(printf '%s' "$out" | jq -r '[.HostIp, .NewIP, .DryRun] | @tsv')" \
    "$(printf '203.0.113.77\ttrue\ttrue')" "block -n: says what would happen"
is "$(store_hash)" "$before" "block -n: the store file's bytes are unchanged"
is "$(updates)" "$n" "block -n: no UpdateRuleGroup reached the firewall"
is "$(group_blocks)" "198.51.100.0/24 203.0.113.50/32" "block -n: the group is as it was"
out=$(sechub -n unblock 203.0.113.50 2>/dev/null | jq -r '[.HostIp, .DryRun] | @tsv')
is "$out" "$(printf '203.0.113.50\ttrue')" "unblock -n: says what would happen"
is "$(store_hash):$(updates)" "$before:$n" "unblock -n: store and group unchanged"

# unblock: off the targets, then out of the store
out=$(sechub unblock --reason "partner" 203.0.113.50 198.51.100.0/24 2>"$TMP/err")

is "$?" 0 "unblock: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.HostIp, .Unblocked, .Blocked] | @tsv' | sort)" \
    "$(printf '198.51.100.0/24\ttrue\tfalse\n203.0.113.50\ttrue\tfalse')" \
    "unblock: one record per address, unblocked"
is "$(group_blocks)$(dst_blocks)" "" "unblock: the group blocks nothing of ours"
is "$(store_ips)" "" "unblock: the store has no active entry"
is "$(pending_ips)" "" "unblock: and has forgotten them (no target blocks them)"
is "$(others)" "$(jq -cS '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules
    |= map(select(.Priority != 30000 and .Priority != 30100))
    | del(.UpdateToken, .RuleGroupResponse.ConsumedCapacity, .RuleGroupResponse.LastModifiedTime)' "$TMP/group.json")" \
    "block then unblock leave every other part of the group as it was"

# an address the firewall blocks but the store does not know
echo '{"HostIp":"203.0.113.9"}' | nfw-sync -g blocklist >/dev/null 2>&1
out=$(sechub unblock 203.0.113.9 2>/dev/null | jq -r '[.HostIp, .Unblocked, .Reason] | @tsv')
is "$out" "$(printf '203.0.113.9\ttrue\tnot in the store')" \
    "unblock of an address only the firewall had: taken off, and said so"
is "$(group_blocks)" "" "and the group no longer blocks it"

# a failing firewall: unblock keeps the entry pending, the next run repairs
sechub block 203.0.113.60 >/dev/null 2>&1
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":500,"type":"InternalServerError","message":"injected","times":2}]}'
sechub unblock 203.0.113.60 >/dev/null 2>"$TMP/err"
is "$?" 3 "unblock with a failing firewall: exit 3"
is "$(pending_ips):$(group_blocks)" "203.0.113.60:203.0.113.60/32" \
    "the store keeps it pending while the group still blocks it"
sechub reconcile >/dev/null 2>&1
is "$(pending_ips):$(group_blocks)" ":" "the next run unblocks it, then forgets it"
is "$(invalid)" "" "no request to the firewall was invalid"
