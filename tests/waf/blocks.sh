#!/bin/sh
# blocks.sh: a HostIp may be a CIDR block (the store's entries of sechub
# block 198.51.100.0/24), as for nfw-sync: planned whole, refused whole
# when any address of it would be (the allowlist, special ranges), host
# bits set rejected with the block that was meant, removed whole.
. "$top_srcdir/tests/waf/fake.sh"
plan 10
start_fake

ips 198.51.100.0/25 198.51.100.128/25 2001:db8:77::/48 203.0.113.9 |
    waf-sync --ip-set blocklist --ip-set blocklist-v6 > out 2> err
is "$?:$(cat err)" "0:" "blocks of both versions merged: exit 0"
is "$(held blocklist):$(held blocklist-v6)" \
    "198.51.100.0/24 203.0.113.9/32:2001:db8::7/128 2001:db8:77::/48" \
    "each in its version's set, the two halves one /24 (198.51.100.7 inside it)"
is "$(jq -c '[.HostIp, .Blocked]' out | tr '\n' ' ')" \
    '["198.51.100.0/25",true] ["198.51.100.128/25",true] ["2001:db8:77::/48",true] ["203.0.113.9",true] ' \
    "each record marked Blocked"

ips 203.0.113.0/24 10.0.0.0/8 198.51.100.1/24 | waf-sync --ip-set blocklist \
    --allow 203.0.113.200 > out 2> err
is "$?" 1 "a block with host bits set is a rejected record: exit 1"
is "$(cat err)" "waf-sync: <stdin>:1: 203.0.113.0/24: refused: overlaps allowlisted block: 203.0.113.200/32
waf-sync: <stdin>:2: 10.0.0.0/8: refused: overlaps special-purpose range: private (RFC 1918)
waf-sync: <stdin>:3: HostIp \"198.51.100.1/24\": host bits set: not a CIDR block (198.51.100.0/24 is)" \
    "the allowlist and the special ranges refuse a block whole, each said"
is "$(held blocklist)" "198.51.100.0/24 203.0.113.9/32" \
    "nothing refused was written"
is "$(jq -c '[.HostIp, .Blocked, .Reason]' out | tr '\n' ' ')" \
    '["203.0.113.0/24",true,"overlaps allowlisted block: 203.0.113.200/32"] ["10.0.0.0/8",false,"overlaps special-purpose range: private (RFC 1918)"] ' \
    "the refused blocks marked with why (one blocked in part: 203.0.113.9 is held)"

ips 198.51.100.0/25 | waf-sync --ip-set blocklist --remove > out 2> err
is "$?:$(held blocklist)" "0:198.51.100.128/25 203.0.113.9/32" "--remove of a block: the rest of the /24 stays"
is "$(jq -c '[.HostIp, .Blocked, .Unblocked]' out)" '["198.51.100.0/25",false,true]' \
    "marked Unblocked"

is "$(invalid)" "" "every request valid and signed"
