#!/bin/sh
# concurrency.sh: the lock token: a stale one makes waf-sync read the set
# again and re-apply its change, so a concurrent change is never lost, with
# a rival writer between our GetIPSet and UpdateIPSet and with two runs
# started together; a set that keeps changing fails after 5 rounds.
. "$top_srcdir/tests/waf/fake.sh"
plan 14
start_fake

# another writer changes the set between our read and our write
fake_control '{"rivals":[{"name":"blocklist","add":["203.0.113.50/32"],"times":1}]}'
ips 192.0.2.44 | waf-sync --ip-set blocklist --verbose > out 2> err
is "$?" 0 "stale token: exit 0"
is "$(held blocklist)" "192.0.2.44/32 198.51.100.7/32 203.0.113.50/32" \
    "stale token: our address and the other writer's both landed"
is "$(jq -r 'select(.Op == "UpdateIPSet") | .Error // "ok"' "$WAF_LOG" | tr '\n' ' ')" \
    "WAFOptimisticLockException ok " "stale token: refused once, then accepted"
is "$(calls GetIPSet)" 2 "stale token: read again"
is "$(jq -r 'select(.Op == "UpdateIPSet") | .Body.LockToken' "$WAF_LOG" | sort -u | wc -l | tr -d ' ')" \
    2 "stale token: the second write carries the new token"
is "$(jq -r .Blocked out)" true "stale token: the record says Blocked"
grep -q 'WAFOptimisticLockException: the IP set changed since it was read' err
ok "$?" "stale token: --verbose says why it read the set again"
grep -qF "$WAF_SECRET" err out "$WAF_LOG"
is "$?" 1 "the secret key appears nowhere (output, trace, wire)"

# two runs started together both land: the stand-in holds the first two
# GetIPSet answers until both have asked, so both read one token
fake_control '{"barrier":{"op":"GetIPSet","count":2}}'
: > "$WAF_LOG"
ips 192.0.2.61 > a.jsonl
ips 192.0.2.70 > b.jsonl
waf-sync --ip-set blocklist --id "$V4_ID" a.jsonl > a.out 2>&1 &
pa=$!
waf-sync --ip-set blocklist --id "$V4_ID" b.jsonl > b.out 2>&1 &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
is "$sa $sb" "0 0" "concurrent: both exit 0"
is "$(held blocklist)" \
    "192.0.2.44/32 192.0.2.61/32 192.0.2.70/32 198.51.100.7/32 203.0.113.50/32" \
    "concurrent: both addresses landed, nothing lost"
is "$(jq -r 'select(.Op == "UpdateIPSet") | .Error // "ok"' "$WAF_LOG" | sort | tr '\n' ' ')" \
    "WAFOptimisticLockException ok ok " \
    "concurrent: one of them hit a stale token and retried"

# a set that keeps changing: bounded retries, then a clear failure
fake_control '{"rivals":[{"name":"blocklist","add":["203.0.113.51/32"],"times":100}]}'
ips 192.0.2.80 | waf-sync --ip-set blocklist > out 2> err
is "$?" 3 "always stale: exit 3"
is "$(cat err)" "waf-sync: UpdateIPSet: WAFOptimisticLockException: retried 5 times, giving up" \
    "always stale: says so"
is "$(jq -c '[.Blocked, .Reason]' out)" \
    '[null,"UpdateIPSet: WAFOptimisticLockException: retried 5 times, giving up"]' \
    "always stale: the record says not known to be blocked, and why"
