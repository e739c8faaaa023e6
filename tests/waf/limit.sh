#!/bin/sh
# limit.sh: an IP set holds 10,000 addresses and blocks: a change that needs
# more is refused before anything is sent (no UpdateIPSet, the set as it
# was, exit 3, a clear message); 10,000 fit; and when the service itself
# answers WAFLimitsExceededException (a quota we do not know of), nothing
# changes either.
. "$top_srcdir/tests/waf/fake.sh"
plan 12
start_fake
before=$(fake_state)

# every other address of 100.128.0.0/16 and on: no two aggregate
gen() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
	    printf "{\"HostIp\":\"100.%d.%d.%d\"}\n", 128 + int(i / 32768),
	    int(i / 128) % 256, (i % 128) * 2 }'
}
gen 10000 > many.jsonl
waf-sync --ip-set blocklist many.jsonl --summary > out 2> err
is "$?" 3 "10,001 blocks (10,000 and the one held): exit 3"
is "$(cat err)" "waf-sync: blocklist: too many addresses: 10001 CIDR blocks, more than the 10000 an IP set holds: nothing changed; prune addresses or aggregate them upstream" \
    "past the limit: says how many, and what to do"
is "$(calls UpdateIPSet)" 0 "past the limit: UpdateIPSet never called"
is "$(fake_state)" "$before" "past the limit: the set as it was"
is "$(jq -c '[.Changed, .Added, .Total, .Blocks, .Limit]' out)" \
    '[false,0,1,10001,10000]' "past the limit: the summary says what it needed"

waf-sync --ip-set blocklist --replace many.jsonl --summary > out 2> err
is "$?:$(jq -c '[.Changed, .Total, .Blocks]' out)" "0:[true,10000,10000]" \
    "exactly 10,000: replaced"
is "$(fake_state | jq '.IPSets[0].Addresses | length')" 10000 \
    "exactly 10,000: the set holds them"

# the records of a refused change say not blocked, and why
gen 10001 | waf-sync --ip-set blocklist --replace > out 2> /dev/null
is "$?" 3 "records past the limit: exit 3"
is "$(jq -c '[.Blocked, (.Reason | startswith("blocklist: too many addresses"))]' out | sort | uniq -c | awk '{ $1 = $1; print }')" \
    '1 [null,true]
10000 [true,true]' \
    "records past the limit: the ones held still blocked, the new one not known, each says why"

# the service's own limit: WAFLimitsExceededException, nothing changed
fake_load "$top_srcdir/tests/waf/sets.json"
fake_control '{"limit": 2}'
before=$(fake_state)
ips 203.0.113.1 203.0.113.3 | waf-sync --ip-set blocklist > out 2> err
is "$?" 3 "the service's limit: exit 3"
is "$(cat err)" "waf-sync: WAF UpdateIPSet: WAFLimitsExceededException: AWS WAF couldn't perform the operation because you exceeded your resource limit." \
    "the service's limit: its error, once (not retried)"
is "$(fake_state)" "$before" "the service's limit: nothing changed"
