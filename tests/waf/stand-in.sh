#!/bin/sh
# stand-in.sh: the WAF stand-in refuses what AWS would refuse (model
# violations, addresses WAF takes not, stale lock tokens, the limit, bad
# signatures, a wrong service or region, a wrong content type) and accepts
# a valid request, rotating the token, so the other tests mean something.
. "$top_srcdir/tests/waf/fake.sh"
start_fake
# send LIST: one request a line of LIST (see waf_server.py), one answer each
send() {
	/usr/bin/python3 "$top_srcdir/tests/fakes/waf_server.py" --send \
	    "$WAF_URL" "$1"
}
token=$(fake_state | jq -r '.IPSets[0].LockToken')
jq -n --arg id "$V4_ID" --arg t "$token" '{Name: "blocklist",
    Scope: "REGIONAL", Id: $id, Addresses: ["198.51.100.7/32"],
    LockToken: $t}' > base.json
jq '{Name, Scope, Id}' base.json > get.json
jq -n '{Name: "edge", Scope: "CLOUDFRONT", Id: "e1b2c3d4-5678-90ab-cdef-111122223333"}' > edge.json

# name ^ jq filter of base.json ^ operation and options ^ the answer
cat > cases <<CASES
bad scope^.Scope = "GLOBAL"^UpdateIPSet^400 WAFInvalidParameterException
bad id^.Id = "A1B2"^UpdateIPSet^400 WAFInvalidParameterException
bad token pattern^.LockToken = "nope"^UpdateIPSet^400 WAFInvalidParameterException
missing token^del(.LockToken)^UpdateIPSet^400 WAFInvalidParameterException
unknown member^.Tags = []^UpdateIPSet^400 WAFInvalidParameterException
addresses not a list^.Addresses = "198.51.100.7/32"^UpdateIPSet^400 WAFInvalidParameterException
empty address^.Addresses = [""]^UpdateIPSet^400 WAFInvalidParameterException
description too long^.Description = ("x" * 257)^UpdateIPSet^400 WAFInvalidParameterException
a /0^.Addresses += ["0.0.0.0/0"]^UpdateIPSet^400 WAFInvalidParameterException
host bits set^.Addresses = ["198.51.100.7/24"]^UpdateIPSet^400 WAFInvalidParameterException
no prefix length^.Addresses = ["198.51.100.7"]^UpdateIPSet^400 WAFInvalidParameterException
IPv6 in an IPv4 set^.Addresses = ["2001:db8::1/128"]^UpdateIPSet^400 WAFInvalidParameterException
one block twice^.Addresses = ["198.51.100.7/32", "198.51.100.7/32"]^UpdateIPSet^400 WAFInvalidParameterException
stale token^.LockToken = "0e8d4c2a-1b3f-4a5e-8c7d-6f5e4d3c2b1a"^UpdateIPSet^400 WAFOptimisticLockException
no such set^.Id = "f1b2c3d4-5678-90ab-cdef-111122223333"^UpdateIPSet^400 WAFNonexistentItemException
limit too high^{Scope: "REGIONAL", Limit: 101}^ListIPSets^400 WAFInvalidParameterException
unsigned^.^UpdateIPSet --unsigned^403 MissingAuthenticationTokenException
a wrong signature^.^UpdateIPSet --secret wrong^403 InvalidSignatureException
signed for another service^.^UpdateIPSet --sign-service network-firewall^403 InvalidSignatureException
JSON 1.0 (WAF speaks 1.1)^.^UpdateIPSet --content-type application/x-amz-json-1.0^400 SerializationException
a REGIONAL call sees the sets of the region it is signed for^{Name, Scope, Id}^GetIPSet --sign-region eu-west-1^400 WAFNonexistentItemException
CASES
plan $(($(wc -l < cases) + 6))
before=$(fake_state)
i=0
: > list
while IFS='^' read -r name filter op want; do
	i=$((i + 1))
	jq "$filter" base.json > case$i.json || { echo "Bail out! jq: $filter"; exit 1; }
	echo "$op case$i.json" | sed 's/^\([A-Za-z]*\) \(.*\) \(case[0-9]*\.json\)$/\1 \3 \2/' >> list
done < cases
send list > answers
i=0
while IFS='^' read -r name filter op want; do
	i=$((i + 1))
	is "$(sed -n ${i}p answers)" "$want" "$name: refused"
done < cases

printf '%s\n' 'GetIPSet edge.json --sign-region eu-west-1' 'GetIPSet edge.json' > list
is "$(send list | tr '\n' ' ')" "400 WAFInvalidOperationException 200 - " \
    "CLOUDFRONT: refused signed outside us-east-1, answered in it"
fake_control '{"limit": 1}'
jq '.Addresses = ["198.51.100.7/32", "203.0.113.1/32"]' base.json > two.json
echo 'UpdateIPSet two.json' > list
is "$(send list)" "400 WAFLimitsExceededException" \
    "past the limit: WAFLimitsExceededException"
is "$(fake_state)" "$before" "nothing was changed by the refused requests"
is "$(jq -r 'select(.Error == "InvalidSignatureException") | .Op' "$WAF_LOG" | wc -l | tr -d ' ')" \
    2 "the log says which requests were refused for their signature"

jq '.Addresses = ["203.0.113.1/32"]' base.json > good.json
echo 'UpdateIPSet good.json' > list
is "$(send list)" "200 -" "a valid request is accepted"
is "$(fake_state | jq -c '.IPSets[0] | [.Addresses, .LockToken != $t, has("Description")]' --arg t "$token")" \
    '[["203.0.113.1/32"],true,false]' \
    "applied, the token rotated, the description it was not given gone"
