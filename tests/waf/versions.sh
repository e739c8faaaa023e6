#!/bin/sh
# versions.sh: an IP set holds one address version. An IPv6 set alone; an
# IPv4 and an IPv6 set together, each address to the set of its version;
# with one set, an address of the other version refused with a reason; two
# sets of one version refused. Scope CLOUDFRONT is called and signed in
# us-east-1 whatever the region configured.
. "$top_srcdir/tests/waf/fake.sh"
plan 22
start_fake

# an IPv6 set
ips 2001:db8::8 2001:db8::9 2001:db8::a 2001:db8::b | waf-sync --ip-set blocklist-v6 --summary > out
is "$?" 0 "IPv6 set: exit 0"
is "$(held blocklist-v6)" "2001:db8::7/128 2001:db8::8/126" \
    "IPv6 set: merged and aggregated"
is "$(jq -c '[.IPAddressVersion, .Added, .Total, .Blocks]' out)" \
    '["IPV6",4,5,2]' "IPv6 set: the summary"

# one set, the other version: refused, marked, not planned
ips 203.0.113.4 2001:db8::c > mixed.jsonl
waf-sync --ip-set blocklist-v6 mixed.jsonl > out 2> err
is "$?" 0 "one set, an address of the other version: exit 0"
is "$(cat err)" "waf-sync: mixed.jsonl:1: 203.0.113.4: refused: an IPv4 address, and the IP set blocklist-v6 holds IPv6 addresses only" \
    "one set, the other version: warned about, with where it was"
is "$(jq -c '[.HostIp, .Blocked, .Reason]' out | tr '\n' ' ')" \
    '["203.0.113.4",null,"an IPv4 address, and the IP set blocklist-v6 holds IPv6 addresses only"] ["2001:db8::c",true,null] ' \
    "one set, the other version: the record says why; the other blocked"
is "$(held blocklist)" "198.51.100.7/32" "one set: the IPv4 set untouched"

# two sets: each address to its own, one update each
: > "$WAF_LOG"
ips 203.0.113.4 2001:db8::d 203.0.113.5 > both.jsonl
waf-sync --ip-set blocklist-v6 --ip-set blocklist --summary both.jsonl > out
is "$?" 0 "two sets: exit 0"
is "$(held blocklist)" "198.51.100.7/32 203.0.113.4/31" "two sets: IPv4 to the IPv4 set"
is "$(held blocklist-v6)" "2001:db8::7/128 2001:db8::8/126 2001:db8::c/127" \
    "two sets: IPv6 to the IPv6 set"
is "$(jq -c '[.Name, .IPAddressVersion, .Added]' out | tr '\n' ' ')" \
    '["blocklist-v6","IPV6",1] ["blocklist","IPV4",2] ' \
    "two sets: one summary record each"
is "$(calls UpdateIPSet)" 2 "two sets: one UpdateIPSet each"

# two sets of one version
ips 203.0.113.4 | waf-sync --ip-set blocklist --ip-set partners > out 2> err
is "$?" 2 "two IPv4 sets: exit 2"
is "$(cat err)" "waf-sync: blocklist and partners are both IPV4 sets: name one IPv4 and one IPv6 set" \
    "two IPv4 sets: says so"

# CLOUDFRONT: the region configured is another, the calls go to us-east-1
: > "$WAF_LOG"
ips 203.0.113.30 | AWS_REGION=eu-west-1 waf-sync --scope CLOUDFRONT --ip-set edge > out
is "$?" 0 "CLOUDFRONT: exit 0"
is "$(held edge us-east-1 CLOUDFRONT)" "203.0.113.30/32" "CLOUDFRONT: the edge set"
is "$(jq -r '.Region' "$WAF_LOG" | sort -u)" us-east-1 \
    "CLOUDFRONT: every call signed for us-east-1"
is "$(jq -r '.Body.Scope' "$WAF_LOG" | sort -u)" CLOUDFRONT \
    "CLOUDFRONT: every call says its scope"
ips 203.0.113.31 | AWS_REGION=eu-west-1 waf-sync --ip-set "$EDGE_ARN" --summary > out
is "$?:$(jq -c '[.Scope, .Added]' out)" '0:["CLOUDFRONT",1]' \
    "a global ARN: CLOUDFRONT, in us-east-1"

# where the calls would go, without a stand-in (and without credentials,
# so that nothing is sent): us-east-1 for CLOUDFRONT, else the region
for scope in CLOUDFRONT REGIONAL; do
	env -u AWS_ENDPOINT_URL_WAFV2 -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	    AWS_REGION=eu-west-1 waf-sync --verbose --scope $scope --ip-set edge \
	    < /dev/null > out 2> err
	is "$?:$(grep -c '^waf-sync: calling' err):$(sed -n 's/^waf-sync: calling //p' err)" \
	    "2:1:https://wafv2.$([ $scope = CLOUDFRONT ] && echo us-east-1 || echo eu-west-1).amazonaws.com, signed for $([ $scope = CLOUDFRONT ] && echo us-east-1 || echo eu-west-1)" \
	    "$scope: the AWS endpoint and region it would call (no credentials: nothing sent)"
done
is "$(invalid)$(signatures)" ok "every request valid and signed"
