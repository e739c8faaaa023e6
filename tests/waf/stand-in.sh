#!/bin/sh
# stand-in.sh: the WAF stand-in refuses what AWS would refuse (model
# violations, addresses WAF takes not, stale lock tokens, the limit, bad
# signatures, a wrong service or region, a wrong content type) and accepts
# a valid request, rotating the token, so the other tests mean something.
. "$top_srcdir/tests/waf/fake.sh"
start_fake
send() {
	/usr/bin/python3 "$top_srcdir/tests/fakes/waf_server.py" --send \
	    "$WAF_URL" "$@"
}
token=$(fake_state | jq -r '.IPSets[0].LockToken')
jq -n --arg id "$V4_ID" --arg t "$token" '{Name: "blocklist",
    Scope: "REGIONAL", Id: $id, Addresses: ["198.51.100.7/32"],
    LockToken: $t}' > base.json

# name ^ jq filter ^ operation ^ the stand-in's answer
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
CASES
plan $(($(wc -l < cases) + 11))
before=$(fake_state)
while IFS='^' read -r name filter op want; do
	jq "$filter" base.json > case.json || { echo "Bail out! jq: $filter"; exit 1; }
	is "$(send "$op" case.json)" "$want" "$name: refused"
done < cases

is "$(send UpdateIPSet base.json --unsigned)" \
    "403 MissingAuthenticationTokenException" "an unsigned request is refused"
is "$(AWS_SECRET_ACCESS_KEY=wrong send UpdateIPSet base.json)" \
    "403 InvalidSignatureException" "a wrong signature is refused"
is "$(send UpdateIPSet base.json --sign-service network-firewall)" \
    "403 InvalidSignatureException" "a signature for another service is refused"
is "$(send UpdateIPSet base.json --content-type application/x-amz-json-1.0)" \
    "400 SerializationException" "JSON 1.0 is refused: WAF speaks 1.1"
jq -n '{Name: "edge", Scope: "CLOUDFRONT", Id: "e1b2c3d4-5678-90ab-cdef-111122223333"}' > edge.json
is "$(send GetIPSet edge.json --sign-region eu-west-1)" \
    "400 WAFInvalidOperationException" "CLOUDFRONT signed outside us-east-1 is refused"
is "$(send GetIPSet edge.json)" "200 -" "CLOUDFRONT signed for us-east-1 is answered"
jq '{Name, Scope, Id}' base.json > get.json
is "$(send GetIPSet get.json --sign-region eu-west-1)" \
    "400 WAFNonexistentItemException" "a REGIONAL call sees the sets of the region it is signed for"
fake_control '{"limit": 1}'
jq '.Addresses = ["198.51.100.7/32", "203.0.113.1/32"]' base.json > two.json
is "$(send UpdateIPSet two.json)" "400 WAFLimitsExceededException" \
    "past the limit: WAFLimitsExceededException"
is "$(fake_state)" "$before" "nothing was changed by the refused requests"

jq '.Addresses = ["203.0.113.1/32"]' base.json > good.json
is "$(send UpdateIPSet good.json)" "200 -" "a valid request is accepted"
is "$(fake_state | jq -c '.IPSets[0] | [.Addresses, .LockToken != $t, has("Description")]' --arg t "$token")" \
    '[["203.0.113.1/32"],true,false]' \
    "applied, the token rotated, the description it was not given gone"
