#!/bin/sh
# records.sh: the per-record output is what `ipstore forget` trusts in the
# prune flow (ipstore-prune --removed | nfw-sync --remove | ipstore forget):
# "Blocked": false only when, after a successful update or a no-change run,
# the group does not block the address. On any failure every record says
# what the group still blocks, with a Reason; when the group could not be
# read at all, Blocked is null (unknown), never false.
. "$top_srcdir/tests/nfw/fake.sh"
vg_only nfw-sync
plan 30
start_fake
export AWS_MAX_ATTEMPTS=2

# fields FILE: HostIp Blocked Unblocked, one record a line; reasons: is
# there one on every record
fields() { jq -r '[.HostIp, (.Blocked | tostring), (.Unblocked | tostring)] | join(" ")' "$1"; }
reasons() { jq -s 'all(.[]; .Reason | type == "string")' "$1"; }

ips 198.51.100.7 198.51.100.99 > expired.jsonl

# a dead endpoint: nothing known, so nothing may be forgotten
port=$(free_port)
AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$port nfw-sync \
    --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?" 3 "dead endpoint: exit 3"
is "$(fields out)" "198.51.100.7 null false
198.51.100.99 null false" "dead endpoint: Blocked null, never false"
is "$(reasons out)" true "dead endpoint: each record says why"

# a 5xx storm on DescribeRuleGroup: the same
fake_control '{"faults":[{"op":"DescribeRuleGroup","status":500,"type":"InternalServerError","message":"storm","times":2}]}'
nfw-sync --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?" 3 "describe storm: exit 3"
is "$(fields out)" "198.51.100.7 null false
198.51.100.99 null false" "describe storm: Blocked null"
is "$(jq -r .Reason out | sort -u)" \
    "Network Firewall DescribeRuleGroup: InternalServerError: storm (gave up after 2 attempts)" \
    "describe storm: the reason is the failure"

# a group that is not ours to change: the same
nfw-sync --rule-group blocklist --remove --priority 10,65000 expired.jsonl \
    > out 2> err
is "$?:$(fields out)" "3:198.51.100.7 null false
198.51.100.99 null false" "a group refused: Blocked null"

# UpdateRuleGroup keeps failing: the address it blocked is still blocked
n=$(calls UpdateRuleGroup)
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":503,"type":"ServiceUnavailable","message":"down","times":2}]}'
nfw-sync --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?" 3 "update storm: exit 3"
is "$(( $(calls UpdateRuleGroup) - n ))" 2 "update storm: tried AWS_MAX_ATTEMPTS times"
is "$(fields out)" "198.51.100.7 true false
198.51.100.99 false false" \
    "update storm: still blocked says true; never blocked says false"
is "$(reasons out)" true "update storm: each record says why"
is "$(blocked 30000 Sources)" "198.51.100.7/32" "update storm: the group as it was"

# the token goes stale, then the group cannot be read again: the last state
# read is what the records say (main forgot it and said false)
fake_control '{"rivals":[{"add":["203.0.113.50/32"],"times":1}],"faults":[{"op":"DescribeRuleGroup","skip":1,"status":500,"type":"InternalServerError","message":"gone","times":2}]}'
nfw-sync --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?" 3 "stale, then describe fails: exit 3"
is "$(fields out)" "198.51.100.7 true false
198.51.100.99 false false" "stale, then describe fails: the last state read"
is "$(reasons out)" true "stale, then describe fails: each record says why"

# the token stays stale: retries exhausted
fake_control '{"rivals":[{"add":["203.0.113.51/32"],"times":100}]}'
nfw-sync --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?" 3 "always stale: exit 3"
is "$(fields out)" "198.51.100.7 true false
198.51.100.99 false false" "always stale: Blocked true for what is still blocked"
is "$(jq -r .Reason out | sort -u)" \
    "UpdateRuleGroup: InvalidTokenException: retried 5 times, giving up" \
    "always stale: the reason"

# capacity: unblocking one address of a /24 needs 8 blocks, more than fit
jq '.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules += [
    {"Priority":30000,"RuleDefinition":{"MatchAttributes":{"Sources":[{"AddressDefinition":"192.0.2.0/24"}]},"Actions":["aws:drop"]}},
    {"Priority":30100,"RuleDefinition":{"MatchAttributes":{"Destinations":[{"AddressDefinition":"192.0.2.0/24"}]},"Actions":["aws:drop"]}}]' \
    "$FIXTURES/nfw/group-small.json" > small.json
fake_load "$TMP/small.json"
ips 192.0.2.77 198.51.100.99 | nfw-sync --rule-group small --remove > out 2> err
is "$?" 3 "capacity: exit 3"
is "$(fields out)" "192.0.2.77 true false
198.51.100.99 false false" "capacity: still blocked says true"
is "$(jq -r .Reason out | sed 's/: 2 rules.*//' | sort -u)" "small: capacity exceeded" \
    "capacity: the reason"

# success and no change: false means not blocked, and only then
fake_load "$FIXTURES/nfw/group.json"
nfw-sync --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?" 0 "removed: exit 0"
is "$(fields out)" "198.51.100.7 false true
198.51.100.99 false false" "removed: false, and Unblocked says which one we unblocked"
is "$(blocked 30000 Sources)" "" "removed: the group blocks neither"
n=$(calls UpdateRuleGroup)
nfw-sync --rule-group blocklist --remove expired.jsonl > out 2> err
is "$?:$(( $(calls UpdateRuleGroup) - n ))" "0:0" "no change: exit 0, no update"
is "$(fields out)" "198.51.100.7 false false
198.51.100.99 false false" "no change: false, not unblocked now"
is "$(jq -r .Reason out | sort -u)" "not blocked" "no change: why"

# merge: a failed describe says null too, a failed update what is blocked
ips 198.51.100.7 | nfw-sync --rule-group blocklist > /dev/null
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":503,"type":"ServiceUnavailable","message":"down","times":2}]}'
ips 198.51.100.7 203.0.113.9 | nfw-sync --rule-group blocklist > out 2> err
is "$?:$(fields out)" "3:198.51.100.7 true null
203.0.113.9 false null" "merge, update fails: what is blocked, what is not"
fake_control '{"faults":[{"op":"DescribeRuleGroup","status":500,"type":"InternalServerError","message":"storm","times":2}]}'
ips 198.51.100.7 203.0.113.9 | nfw-sync --rule-group blocklist > out 2> err
is "$?:$(fields out)" "3:198.51.100.7 null null
203.0.113.9 null null" "merge, describe fails: null"
is "$(invalid)" "" "every request valid and signed"
