#!/bin/sh
# rails.sh: 0.0.0.0/0, special-purpose ranges and the allowlist, in the
# input and in what the set already holds: never written back, each block
# taken out reported (warning, record, summary), in every mode, even with
# no input; the rest of a block stays blocked. IPv4-mapped entries of an
# IPv6 set are IPv4 blocks: taken out and reported.
. "$top_srcdir/tests/waf/fake.sh"
plan 24
start_fake
jq '.IPSets[0].Addresses = ["0.0.0.0/0", "10.0.0.5/32", "198.51.100.7/32",
    "203.0.113.0/30"] | .IPSets[1].Addresses = ["fe80::/64", "2001:db8::7/128"]' \
    "$top_srcdir/tests/waf/sets.json" > dirty.json
fake_load dirty.json
printf '# never block our office\n203.0.113.2\n' > allow.txt

# a dry run says what would go, and changes nothing
waf-sync -n --ip-set blocklist --allowlist allow.txt < /dev/null > plan.out 2> err
is "$?:$(mutating)" "0:" "dirty set, dry run: no mutating call"
is "$(cat err)" "waf-sync: blocklist: would be removed from the IP set: 0.0.0.0/0: matches all traffic
waf-sync: blocklist: would be removed from the IP set: 10.0.0.5/32: special-purpose address: private (RFC 1918)
waf-sync: blocklist: would be removed from the IP set: 203.0.113.2/32: allowlisted: 203.0.113.2/32" \
    "dirty set, dry run: each block that would go, and why"
is "$(jq -c '.UpdateIPSet.Addresses' plan.out)" \
    '["198.51.100.7/32","203.0.113.0/31","203.0.113.3/32"]' \
    "dirty set, dry run: the request writes none of them back"
is "$(jq -c '[.Changed, (.Cleaned | length), .Total, .Blocks]' plan.out)" \
    '[true,3,4,3]' \
    "dirty set, dry run: a change, three cleaned, four addresses left"

# merge with no input at all still cleans the set
waf-sync --ip-set blocklist --allowlist allow.txt < /dev/null > out 2> err
is "$?" 0 "dirty set, merge of nothing: exit 0"
is "$(held blocklist)" "198.51.100.7/32 203.0.113.0/31 203.0.113.3/32" \
    "dirty set: the /0, the private address and the allowlisted one are gone, the rest stays"
is "$(sed -n 1p err)" "waf-sync: blocklist: removed from the IP set: 0.0.0.0/0: matches all traffic" \
    "dirty set: each removal reported"
is "$(jq -c '[.HostIp, .Blocked, .Unblocked, .Cleaned, .Reason]' out | tr '\n' ' ')" \
    '["0.0.0.0/0",false,true,true,"matches all traffic"] ["10.0.0.5",false,true,true,"special-purpose address: private (RFC 1918)"] ["203.0.113.2",false,true,true,"allowlisted: 203.0.113.2/32"] ' \
    "dirty set: one Cleaned record for each"
is "$(jq -c 'select(.Op == "UpdateIPSet") | .Body.Addresses' "$WAF_LOG")" \
    '["198.51.100.7/32","203.0.113.0/31","203.0.113.3/32"]' \
    "dirty set: what was sent holds none of them"
waf-sync --ip-set blocklist --allowlist allow.txt < /dev/null > out 2> err
is "$?:$(cat out err)" "0:" "cleaned: the next run finds nothing to do"
is "$(calls UpdateIPSet)" 1 "cleaned: and calls nothing"

# remove mode cleans too; an IPv6 set too
ips 2001:db8::7 | waf-sync --ip-set blocklist-v6 --remove --summary > out 2> err
is "$?:$(held blocklist-v6)" "0:" "IPv6 set, remove: link-local block and the address gone"
is "$(jq -c '.Cleaned' out)" '[{"Block":"fe80::/64","Reason":"special-purpose range: link-local"}]' \
    "IPv6 set, remove: the summary names what was cleaned"

# the input: special, allowlisted, --allow'ed addresses are refused
ips 10.1.2.3 203.0.113.2 198.51.100.50 192.0.2.1 > in.jsonl
waf-sync --ip-set blocklist --allowlist allow.txt --allow 198.51.100.48/30 in.jsonl > out 2> err
is "$?" 0 "refused input: exit 0"
is "$(cat err)" "waf-sync: in.jsonl:1: 10.1.2.3: refused: special-purpose address: private (RFC 1918)
waf-sync: in.jsonl:2: 203.0.113.2: refused: allowlisted: 203.0.113.2/32
waf-sync: in.jsonl:3: 198.51.100.50: refused: allowlisted: 198.51.100.48/30" \
    "refused input: each warned about"
is "$(jq -c '[.HostIp, .Blocked, .Reason]' out | tr '\n' ' ')" \
    '["10.1.2.3",false,"special-purpose address: private (RFC 1918)"] ["203.0.113.2",false,"allowlisted: 203.0.113.2/32"] ["198.51.100.50",false,"allowlisted: 198.51.100.48/30"] ["192.0.2.1",true,null] ' \
    "refused input: marked, the good one blocked"
is "$(held blocklist)" "192.0.2.1/32 198.51.100.7/32 203.0.113.0/31 203.0.113.3/32" \
    "refused input: none of them in the set"

# --allow-private blocks special addresses, in the input and the set
fake_load dirty.json
ips 10.1.2.3 | waf-sync --ip-set blocklist --allow-private > out 2> err
is "$?" 0 "--allow-private: exit 0"
is "$(held blocklist)" "10.0.0.5/32 10.1.2.3/32 198.51.100.7/32 203.0.113.0/30" \
    "--allow-private: special addresses kept and added, the /0 still gone"
is "$(cat err)" "waf-sync: blocklist: removed from the IP set: 0.0.0.0/0: matches all traffic" \
    "--allow-private: a /0 never stays"
# an IPV6 set holding IPv4-mapped entries: they are the IPv4 blocks they
# map (as everywhere), no IPv6 address; taken out, said so, the rest kept
jq '.IPSets[1].Addresses = ["::ffff:198.51.100.0/120", "::ffff:c000:22e/128",
    "2001:db8::7/128"]' "$top_srcdir/tests/waf/sets.json" > mapped.json
fake_load mapped.json
ips 2001:db8::9 | waf-sync --ip-set blocklist-v6 > out 2> err
is "$?:$(held blocklist-v6)" "0:2001:db8::7/128 2001:db8::9/128" \
    "IPv4-mapped entries of an IPv6 set: merged, and they are gone"
is "$(cat err)" "waf-sync: blocklist-v6: removed from the IP set: 192.0.2.46/32: IPv4-mapped (::ffff:192.0.2.46/128): IPv4 addresses go in an IPv4 set
waf-sync: blocklist-v6: removed from the IP set: 198.51.100.0/24: IPv4-mapped (::ffff:198.51.100.0/120): IPv4 addresses go in an IPv4 set" \
    "IPv4-mapped entries: each one said, as the IPv4 block it is"
is "$(jq -c 'select(.Cleaned) | [.HostIp, .Blocked, .Unblocked]' out | tr '\n' ' ')" \
    '["192.0.2.46",false,true] ["198.51.100.0/24",false,true] ' \
    "IPv4-mapped entries: a Cleaned record each"

is "$(invalid)" "" "every request valid and signed"
