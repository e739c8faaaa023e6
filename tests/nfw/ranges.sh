#!/bin/sh
# ranges.sh: a HostIp may be a CIDR block (what `sechub block CIDR` puts in
# the store): merge and replace send the whole block in both rules,
# --remove takes every address of it out, and the records say what
# `ipstore forget` needs: "Blocked" true while the group blocks any address
# of the block, false only when it blocks none; "Unblocked" when this run
# took the last of it out.
. "$top_srcdir/tests/nfw/fake.sh"
vg_only nfw-sync
plan 18
start_fake
export AWS_MAX_ATTEMPTS=2

fields() { jq -r '[.HostIp, (.Blocked | tostring), (.Unblocked | tostring), (.Reason // "-")] | join(" ")' "$1"; }
both() { echo "$(blocked 30000 Sources) | $(blocked 30100 Destinations)"; }

# merge: the block goes into both rules whole, beside what was there
ips 198.51.100.0/24 2001:db8:5::/64 | nfw-sync --rule-group blocklist > out 2> err
is "$?" 0 "merge of blocks: exit 0"
is "$(both)" "198.51.100.0/24 2001:db8:5::/64 | 198.51.100.0/24 2001:db8:5::/64" \
    "merge: the group blocks the blocks (198.51.100.7 inside the /24)"
is "$(fields out)" "198.51.100.0/24 true null -
2001:db8:5::/64 true null -" "merge: the records say blocked"

# a refused block is not planned, and says so on its record
ips 10.0.0.0/7 203.0.113.0/25 | nfw-sync --rule-group blocklist \
    --allow 203.0.113.64/26 > out 2> err
is "$?:$(both)" "0:198.51.100.0/24 2001:db8:5::/64 | 198.51.100.0/24 2001:db8:5::/64" \
    "refused blocks: the group did not change"
is "$(fields out)" "10.0.0.0/7 false null overlaps special-purpose range: private (RFC 1918)
203.0.113.0/25 false null overlaps allowlisted block: 203.0.113.64/26" \
    "refused blocks: not blocked, with the reason"
is "$(calls UpdateRuleGroup)" 1 "refused blocks: no update"

# --remove, the update fails: a block the group blocks in part is still
# blocked (true), one it blocks none of is not (false): forget only that
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":503,"type":"ServiceUnavailable","message":"down","times":2}]}'
ips 198.51.0.0/16 203.0.113.0/24 | nfw-sync --rule-group blocklist --remove > out 2> err
is "$?" 3 "remove, update fails: exit 3"
is "$(jq -r '[.HostIp, (.Blocked | tostring), (.Unblocked | tostring)] | join(" ")' out)" \
    "198.51.0.0/16 true false
203.0.113.0/24 false false" "remove, update fails: partly blocked says true, none false"

# --remove of a block inside ours: the rest of ours stays, in both rules
ips 198.51.100.0/25 203.0.113.0/24 | nfw-sync --rule-group blocklist --remove > out 2> err
is "$?" 0 "remove part of a block: exit 0"
is "$(both)" "198.51.100.128/25 2001:db8:5::/64 | 198.51.100.128/25 2001:db8:5::/64" \
    "remove part of a block: the other half stays"
is "$(fields out)" "198.51.100.0/25 false true -
203.0.113.0/24 false false not blocked" \
    "remove part of a block: unblocked; never blocked says not blocked"

# --remove of a wider block that the group blocks in part: all of it goes
ips 198.51.100.0/23 | nfw-sync --rule-group blocklist --remove > out 2> err
is "$?:$(both)" "0:2001:db8:5::/64 | 2001:db8:5::/64" "remove a wider block: none of it left"
is "$(fields out)" "198.51.100.0/23 false true -" "remove a wider block: unblocked"

# --remove of a block holding a whole block of ours
ips 2001:db8:5::/56 | nfw-sync --rule-group blocklist --remove > out 2> err
is "$?:$(both)" "0: | " "remove a block holding the /64: the group blocks nothing"

# replace with blocks and addresses: exactly them
ips 203.0.113.0/24 192.0.2.9/32 | nfw-sync --rule-group blocklist --replace > out 2> err
is "$?:$(both)" "0:192.0.2.9/32 203.0.113.0/24 | 192.0.2.9/32 203.0.113.0/24" \
    "replace: exactly the input"
is "$(fields out)" "203.0.113.0/24 true null -
192.0.2.9/32 true null -" "replace: the records say blocked"

# replace with a block whose host bits are set: the input is not whole,
# nothing changes (exit 3, as for any --replace refused)
n=$(calls UpdateRuleGroup)
ips 198.51.100.7/24 203.0.113.0/24 | nfw-sync --rule-group blocklist --replace > out 2> err
is "$?:$(( $(calls UpdateRuleGroup) - n )):$(both)" \
    "3:0:192.0.2.9/32 203.0.113.0/24 | 192.0.2.9/32 203.0.113.0/24" \
    "replace with a bad block: rejected, nothing changed"
is "$(invalid)" "" "every request valid and signed"
