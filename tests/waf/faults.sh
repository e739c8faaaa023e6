#!/bin/sh
# faults.sh: throttling and 5xx are retried; a missing set, a service that
# stays down, a dead endpoint and missing credentials are reported, and
# nothing is half-changed.
. "$top_srcdir/tests/waf/fake.sh"
plan 18
start_fake
export AWS_MAX_ATTEMPTS=3

fake_control '{"faults":[{"op":"GetIPSet","status":400,"type":"ThrottlingException","message":"Rate exceeded","times":2}]}'
ips 203.0.113.4 | waf-sync --ip-set blocklist --id "$V4_ID" > out 2> err
is "$?" 0 "throttled twice: exit 0"
is "$(jq -r 'select(.Op == "GetIPSet") | .Error // "ok"' "$WAF_LOG" | tr '\n' ' ')" \
    "ThrottlingException ThrottlingException ok " "throttled twice: retried"
is "$(held blocklist)" "198.51.100.7/32 203.0.113.4/32" "throttled twice: blocked"

fake_control '{"faults":[{"op":"UpdateIPSet","status":500,"type":"WAFInternalErrorException","message":"oops","times":1}]}'
ips 203.0.113.5 | waf-sync --ip-set blocklist --id "$V4_ID" > out 2> err
is "$?" 0 "one 500 on update: exit 0"
is "$(held blocklist)" "198.51.100.7/32 203.0.113.4/31" "one 500 on update: retried and blocked"

n=$(calls UpdateIPSet)
fake_control '{"faults":[{"op":"UpdateIPSet","status":503,"type":"ServiceUnavailable","message":"down","times":3}]}'
ips 203.0.113.9 203.0.113.4 | waf-sync --ip-set blocklist --id "$V4_ID" > out 2> err
is "$?" 3 "service down: exit 3"
is "$(( $(calls UpdateIPSet) - n ))" 3 "service down: AWS_MAX_ATTEMPTS attempts"
is "$(cat err)" "waf-sync: WAF UpdateIPSet: ServiceUnavailable: down (gave up after 3 attempts)" \
    "service down: reported with the operation and the error"
is "$(jq -c '[.HostIp, .Blocked, (.Reason | type)]' out | tr '\n' ' ')" \
    '["203.0.113.9",null,"string"] ["203.0.113.4",true,"string"] ' \
    "service down: the new one not known to be blocked, the one held still is"
is "$(held blocklist)" "198.51.100.7/32 203.0.113.4/31" "service down: set unchanged"

# an id that names no set: WAFNonexistentItemException, not retried
n=$(calls GetIPSet)
ips 203.0.113.9 | waf-sync --ip-set blocklist --id d1b2c3d4-5678-90ab-cdef-111122223333 --summary > out 2> err
is "$?:$(( $(calls GetIPSet) - n ))" "3:1" "no such set: exit 3, asked once"
is "$(cat out)" '{"IPSet":"blocklist","Mode":"merge","Changed":false,"DryRun":false,"Error":"WAF GetIPSet: WAFNonexistentItemException: AWS WAF couldn'"'"'t perform the operation because your resource doesn'"'"'t exist."}' \
    "no such set, --summary: the result record carries the error"

# two sets, the first one's update failing: the other is still done
fake_control '{"faults":[{"op":"UpdateIPSet","status":400,"type":"WAFInvalidOperationException","message":"no","times":1}]}'
ips 203.0.113.10 2001:db8::10 | waf-sync --ip-set blocklist-v6 --ip-set "$V4_ARN" > out 2> err
is "$?:$(held blocklist-v6):$(held blocklist)" \
    "3:2001:db8::7/128:198.51.100.7/32 203.0.113.4/31 203.0.113.10/32" \
    "one set failing (the first): exit 3, the other set still done"
is "$(jq -c '[.HostIp, .Blocked]' out | tr '\n' ' ')" \
    '["203.0.113.10",true] ["2001:db8::10",null] ' \
    "one set failing: each record says what became of it"

# a dead endpoint
ips 203.0.113.11 | AWS_ENDPOINT_URL_WAFV2=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 \
    waf-sync --ip-set blocklist > out 2> err
is "$?:$(jq -c .Blocked out)" "3:null" "dead endpoint: exit 3, not known"

# a secret that is not the one the key belongs to: refused, not retried
n=$(grep -c . "$WAF_LOG")
ips 203.0.113.11 | AWS_SECRET_ACCESS_KEY=not-the-secret waf-sync \
    --ip-set blocklist --id "$V4_ID" > out 2> err
is "$?:$(( $(grep -c . "$WAF_LOG") - n )):$(cat err)" \
    "3:1:waf-sync: WAF GetIPSet: InvalidSignatureException: the request signature we calculated does not match the signature you provided" \
    "a wrong secret: the signature is refused, once"
sed -i '$d' "$WAF_LOG"	# that one was meant to be refused

# no credentials: a configuration error
ips 203.0.113.11 | env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    waf-sync --ip-set blocklist > out 2> err
is "$?" 2 "no credentials: exit 2"
is "$(invalid)" "" "every request valid and signed"
