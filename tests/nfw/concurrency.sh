#!/bin/sh
# concurrency.sh: optimistic locking: a stale UpdateToken makes nfw-sync read
# the group again and re-apply its change; a concurrent change is never lost.
. "$top_srcdir/tests/nfw/fake.sh"
plan 15
start_fake

# another writer changes the group between our describe and our update
fake_control '{"rivals":[{"add":["203.0.113.50/32"],"times":1}]}'
ips 192.0.2.44 | nfw-sync --rule-group blocklist --verbose > "$TMP/out" 2> "$TMP/err"
is "$?" 0 "stale token: exit 0"
is "$(blocked 30000 Sources)" "192.0.2.44/32 198.51.100.7/32 203.0.113.50/32" \
    "stale token: our address and the other writer's both in Sources"
is "$(blocked 30100 Destinations)" "192.0.2.44/32 198.51.100.7/32 203.0.113.50/32" \
    "stale token: and in Destinations"
is "$(jq -r 'select(.Op == "UpdateRuleGroup") | .Error // "ok"' "$NFW_LOG" | tr '\n' ' ')" \
    "InvalidTokenException ok " "stale token: refused once, then accepted"
is "$(calls DescribeRuleGroup)" 2 "stale token: described again"
is "$(jq -r .Blocked "$TMP/out")" true "stale token: record says Blocked"
grep -q 'InvalidTokenException: the group changed since it was read' "$TMP/err"
ok "$?" "stale token: --verbose says why it read the group again"
grep -qF "$NFW_SECRET" "$TMP/err" "$TMP/out" "$NFW_LOG"
is "$?" 1 "stale token: the secret key appears nowhere (output, trace, wire)"

# two syncs started together both land: the stand-in holds the first two
# DescribeRuleGroup answers until both have asked, so both read one token
fake_control '{"barrier":{"op":"DescribeRuleGroup","count":2}}'
ips 192.0.2.61 > a.jsonl
ips 192.0.2.70 > b.jsonl
nfw-sync --rule-group blocklist "$TMP/a.jsonl" > "$TMP/a.out" 2>&1 &
pa=$!
nfw-sync --rule-group blocklist "$TMP/b.jsonl" > "$TMP/b.out" 2>&1 &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
is "$sa $sb" "0 0" "concurrent: both exit 0"
is "$(blocked 30000 Sources)" \
    "192.0.2.44/32 192.0.2.61/32 192.0.2.70/32 198.51.100.7/32 203.0.113.50/32" \
    "concurrent: both addresses landed, nothing lost"
is "$(jq -r 'select(.Op == "UpdateRuleGroup") | .Error // "ok"' "$NFW_LOG" | sort | tr '\n' ' ')" \
    "InvalidTokenException InvalidTokenException ok ok ok " \
    "concurrent: one of them hit a stale token and retried"
is "$(invalid)" "" "concurrent: every request valid and signed"

# a group that keeps changing: bounded retries, then a clear failure
fake_control '{"rivals":[{"add":["203.0.113.51/32"],"times":100}]}'
ips 192.0.2.80 | nfw-sync --rule-group blocklist > "$TMP/out" 2> "$TMP/err"
is "$?" 3 "always stale: exit 3"
is "$(cat "$TMP/err")" "nfw-sync: UpdateRuleGroup: InvalidTokenException: retried 5 times, giving up" \
    "always stale: says so"
is "$(jq -c '[.Blocked, .Reason]' "$TMP/out")" \
    '[false,"UpdateRuleGroup: InvalidTokenException: retried 5 times, giving up"]' \
    "always stale: record says not blocked, and why"
