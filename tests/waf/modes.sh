#!/bin/sh
# modes.sh: merge, replace and remove against the WAF stand-in; a set named
# by name, by ARN or with --id; no change means no UpdateIPSet; the other
# sets and the description are kept; the configuration file names the
# sets, their region, scope and allowlist; every request valid and signed.
. "$top_srcdir/tests/waf/fake.sh"
plan 37
start_fake
others() {
	fake_state | jq -cS '[.IPSets[] | select(.Name != "blocklist" or
	    .Region != "us-east-1") | del(.LockToken)]'
}
before=$(others)

# merge, by name: ListIPSets finds the id
ips 198.51.100.6 203.0.113.9 > in.jsonl
out=$(waf-sync --ip-set blocklist in.jsonl 2> err)
is "$?" 0 "merge: exit 0"
is "$(held blocklist)" "198.51.100.6/31 203.0.113.9/32" \
    "merge: the set keeps 198.51.100.7 and adds the input, aggregated"
is "$out" '{"HostIp":"198.51.100.6","FindingId":"f-198.51.100.6","Blocked":true}
{"HostIp":"203.0.113.9","FindingId":"f-203.0.113.9","Blocked":true}' \
    "merge: each record passed on with Blocked"
is "$(jq -r .Op "$WAF_LOG" | tr '\n' ' ')" "ListIPSets GetIPSet UpdateIPSet " \
    "merge: List, Get, Update"
is "$(jq -r 'select(.Op == "UpdateIPSet") | .body' "$WAF_LOG")" \
    "{\"Name\":\"blocklist\",\"Scope\":\"REGIONAL\",\"Id\":\"$V4_ID\",\"Description\":\"sechub-tools blocklist\",\"Addresses\":[\"198.51.100.6/31\",\"203.0.113.9/32\"],\"LockToken\":\"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\"}" \
    "merge: the whole set sent, with its description and the lock token read"
is "$(fake_state | jq -r '.IPSets[0].Description')" "sechub-tools blocklist" \
    "merge: the description is still there"
is "$(others)" "$before" "merge: the other IP sets are untouched"
is "$(cat err)" "" "merge: nothing on stderr"

# the same again, by ARN: nothing to do, nothing called but GetIPSet
: > "$WAF_LOG"
out=$(waf-sync --ip-set "$V4_ARN" --summary in.jsonl)
is "$?" 0 "no change: exit 0"
is "$(jq -r .Op "$WAF_LOG" | tr '\n' ' ')" "GetIPSet " \
    "no change, by ARN: no ListIPSets, no UpdateIPSet"
is "$out" "{\"IPSet\":\"$V4_ARN\",\"Name\":\"blocklist\",\"Scope\":\"REGIONAL\",\"IPAddressVersion\":\"IPV4\",\"Mode\":\"merge\",\"Added\":0,\"Removed\":0,\"Total\":3,\"Blocks\":2,\"Limit\":10000,\"Changed\":false,\"DryRun\":false}" \
    "no change: --summary record"

# replace, by name and --id: no ListIPSets
: > "$WAF_LOG"
ips 192.0.2.10 192.0.2.11 203.0.113.200 > r.jsonl
out=$(waf-sync --ip-set blocklist --id "$V4_ID" --replace --summary r.jsonl)
is "$?" 0 "replace: exit 0"
is "$(held blocklist)" "192.0.2.10/31 203.0.113.200/32" "replace: exactly the input"
is "$(echo "$out" | jq -c '[.Added, .Removed, .Total, .Blocks, .Changed]')" \
    '[3,3,3,2,true]' "replace: summary counts addresses and blocks"
is "$(jq -r .Op "$WAF_LOG" | tr '\n' ' ')" "GetIPSet UpdateIPSet " \
    "replace with --id: no ListIPSets"

# remove: the current set minus the input
ips 192.0.2.11 198.51.100.99 > rm.jsonl
out=$(waf-sync -i blocklist --remove rm.jsonl)
is "$?" 0 "remove: exit 0"
is "$(held blocklist)" "192.0.2.10/32 203.0.113.200/32" \
    "remove: the address is gone, its neighbour stays"
is "$out" '{"HostIp":"192.0.2.11","FindingId":"f-192.0.2.11","Blocked":false,"Unblocked":true}
{"HostIp":"198.51.100.99","FindingId":"f-198.51.100.99","Blocked":false,"Unblocked":false,"Reason":"not blocked"}' \
    "remove: Unblocked, and a reason when there was nothing to unblock"

# remove from a block someone put there by hand: the rest stays
jq '.IPSets[0].Addresses = ["203.0.113.0/24"]' \
    "$top_srcdir/tests/waf/sets.json" > block.json
fake_load block.json
ips 203.0.113.77 | waf-sync --ip-set blocklist --remove > out
is "$?:$(jq -c '[.Blocked, .Unblocked]' out)" "0:[false,true]" \
    "remove from a /24: unblocked"
is "$(held blocklist)" "203.0.113.0/26 203.0.113.64/29 203.0.113.72/30 203.0.113.76/32 203.0.113.78/31 203.0.113.80/28 203.0.113.96/27 203.0.113.128/25" \
    "remove from a /24: the other 255 addresses stay, in the fewest blocks"

# remove the last: an empty set is what WAF takes ([] is valid)
ips 203.0.113.0 > all.jsonl
i=1
while [ $i -lt 256 ]; do ips "203.0.113.$i" >> all.jsonl; i=$((i + 1)); done
waf-sync --ip-set blocklist --remove --summary all.jsonl > out
is "$?:$(jq -c '[.Removed, .Total, .Blocks]' out)" "0:[255,0,0]" \
    "remove everything: the set is empty"
is "$(fake_state | jq -c '.IPSets[0].Addresses')" "[]" "remove everything: []"

# a name on the third page of ListIPSets
fake_load "$top_srcdir/tests/waf/sets.json"
fake_control '{"page_size": 1}'
: > "$WAF_LOG"
ips 203.0.113.5 | waf-sync --ip-set partners > out
is "$?" 0 "paged list: exit 0"
is "$(held partners)" "192.0.2.0/24 203.0.113.5/32" "paged list: found and merged"
is "$(calls ListIPSets)" 3 "paged list: three pages read"
is "$(jq -r 'select(.Op == "ListIPSets") | .body' "$WAF_LOG" | tr '\n' ' ')" \
    '{"Scope":"REGIONAL","Limit":100} {"Scope":"REGIONAL","Limit":100,"NextMarker":"1"} {"Scope":"REGIONAL","Limit":100,"NextMarker":"2"} ' \
    "paged list: NextMarker followed"

# no set of that name: every page read, a clear failure, nothing changed
ips 203.0.113.6 | waf-sync --ip-set nosuchset > out 2> err
is "$?" 3 "unknown name: exit 3"
is "$(cat err)" "waf-sync: no IP set nosuchset of scope REGIONAL in us-east-1" \
    "unknown name: says so"
is "$(jq -c '[.Blocked, .Reason]' out)" \
    '[null,"no IP set nosuchset of scope REGIONAL in us-east-1"]' \
    "unknown name: the record says nobody knows, and why"

# a region of its own: eu-west-1's blocklist, not us-east-1's
ips 203.0.113.7 | waf-sync --ip-set blocklist --region eu-west-1 > out
is "$?:$(held blocklist eu-west-1)" "0:203.0.113.7/32 203.0.113.99/32" \
    "--region: the set of that region"
is "$(jq -r 'select(.Op == "UpdateIPSet") | .Region' "$WAF_LOG" | tail -1)" \
    eu-west-1 \
    "--region: signed for it"

# the configuration file: a profile names the sets, the region, the
# allowlist; another the scope; the command line wins over both
cat > cfg <<EOF2
[profile web]
ip_set = blocklist blocklist-v6
allow = 203.0.113.40
region = eu-west-1

[profile edge]
ip_set = edge
scope = CLOUDFRONT
EOF2
fake_load "$top_srcdir/tests/waf/sets.json"
ips 203.0.113.40 203.0.113.41 |
    env -u AWS_REGION -u AWS_DEFAULT_REGION waf-sync --config cfg \
    --config-profile web --ip-set blocklist > out 2> err
is "$?:$(cat err)" "0:waf-sync: <stdin>:1: 203.0.113.40: refused: allowlisted: 203.0.113.40/32" \
    "configuration: its allow refuses an address"
is "$(held blocklist eu-west-1):$(held blocklist)" \
    "203.0.113.41/32 203.0.113.99/32:198.51.100.7/32" \
    "configuration: its region's set changed, not us-east-1's"
ips 203.0.113.42 2001:db8::42 | env -u AWS_REGION -u AWS_DEFAULT_REGION \
    SECHUB_PROFILE=web waf-sync --config cfg --region us-east-1 > out 2> err
is "$?:$(held blocklist):$(held blocklist-v6)" \
    "0:198.51.100.7/32 203.0.113.42/32:2001:db8::7/128 2001:db8::42/128" \
    "configuration: its two sets, each address to its own; --region wins"
ips 203.0.113.43 | SECHUB_PROFILE=edge waf-sync --config cfg > out 2> err
is "$?:$(held edge us-east-1 CLOUDFRONT)" "0:203.0.113.43/32" \
    "configuration: scope CLOUDFRONT from the file"

is "$(invalid)" "" "every request valid and signed for wafv2"
is "$(signatures)" ok "botocore's signer agrees with every signature"
