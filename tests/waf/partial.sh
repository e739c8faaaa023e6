#!/bin/sh
# partial.sh: --replace is all-or-nothing on its input. An input cut off
# mid-record, with a rejected line, or a file that cannot be read whole
# changes nothing (not even a call) and exits 3 with one line saying why;
# --allow-partial replaces with what was read; an empty --replace is
# refused unless --allow-empty. --remove and merge go on with less.
. "$top_srcdir/tests/waf/fake.sh"
plan 23
start_fake
before=$(fake_state)
msg() {
	echo "waf-sync: --replace: the input is not whole ($1): nothing changed, as what it lost would be unblocked (use --allow-partial to replace with what was read)"
}

ips 203.0.113.1 203.0.113.2 > good.jsonl
# an upstream stage killed half-way: the last record has no end
{ cat good.jsonl; printf '{"HostIp":"203.0.113.3","FindingId":"f-2'; } > cut.jsonl
waf-sync --ip-set blocklist --replace cut.jsonl > out 2> err
is "$?" 3 "cut off: exit 3"
is "$(tail -1 err)" "$(msg "1 record rejected")" "cut off: one line says why"
is "$(grep -c . err)" 2 "cut off: that and the rejected record's own line"
is "$(jq -r .Op "$WAF_LOG" | sort -u)" "" "cut off: nothing called at all"
is "$(fake_state)" "$before" "cut off: the sets are as they were"
is "$(jq -c '[.HostIp, .Blocked]' out | tr '\n' ' ')" \
    '["203.0.113.1",null] ["203.0.113.2",null] ' \
    "cut off: the records read come out, saying nothing is known"

# the same through a pipe, with --summary and two sets
cat cut.jsonl | waf-sync --ip-set blocklist --ip-set blocklist-v6 --replace \
    --summary > out 2> err
is "$?:$(jq -r .Error out | uniq -c | awk '{ print $1 }')" "3:2" \
    "cut off, from a pipe, two sets: refused, both --summary records say so"
is "$(jq -r .Error out | sed -n 1p):$(grep -c 'not whole' err)" \
    "$(msg "1 record rejected" | sed 's/^waf-sync: //'):1" \
    "cut off, two sets: why, said once"

# lines rejected in the middle: bad JSON, no HostIp, a bad address
printf '%s\n' '{"HostIp":"203.0.113.1"}' 'garbage' '{"Host":"x"}' \
    '{"HostIp":"203.0.113.300"}' '{"HostIp":"203.0.113.2"}' > bad.jsonl
waf-sync --ip-set blocklist --replace --rejects "$TMP/rej" bad.jsonl > out 2> err
is "$?" 3 "rejected lines: exit 3"
is "$(tail -1 err)" "$(msg "3 records rejected")" "rejected lines: says how many"
is "$(wc -l < rej | tr -d ' ')" 3 "rejected lines: kept in --rejects as ever"

# a file that cannot be read
waf-sync --ip-set blocklist --replace good.jsonl "$TMP/missing.jsonl" > out 2> err
is "$?:$(tail -1 err)" "3:$(msg "1 file not read to the end")" "a missing file: refused"
is "$(fake_state)" "$before" "unreadable input: the sets are as they were"
is "$(jq -r .Op "$WAF_LOG" | sort -u)" "" "unreadable input: nothing called"

# the dry run refuses the same way
waf-sync --ip-set blocklist --replace -n cut.jsonl > out 2> err
is "$?:$(jq -c '[.UpdateIPSet, (.Error | startswith("--replace: the input is not whole"))]' out)" \
    '3:[null,true]' "dry run, cut off: refused, no request"

# --allow-partial: replace with what was read, rejects still count
waf-sync --ip-set blocklist --replace --allow-partial cut.jsonl > out 2> err
is "$?" 1 "--allow-partial: exit 1 (a record rejected)"
is "$(held blocklist)" "203.0.113.1/32 203.0.113.2/32" \
    "--allow-partial: exactly what was read"
is "$(jq -c '[.HostIp, .Blocked]' out | tr '\n' ' ')" \
    '["203.0.113.1",true] ["203.0.113.2",true] ' "--allow-partial: records"

# --replace with nothing to block
: > "$WAF_LOG"
waf-sync --ip-set blocklist --replace < /dev/null > out 2> err
st=$?
is "$st:$(cat err):$(jq -r .Op "$WAF_LOG")" "3:waf-sync: --replace with no address to block would unblock everything: refused (use --allow-empty if that is what you want):" \
    "empty --replace: refused, nothing called"
ips 2001:db8::99 | waf-sync --ip-set blocklist --replace > out 2> err
is "$?:$(held blocklist)" "3:203.0.113.1/32 203.0.113.2/32" \
    "--replace of only the other version: nothing to block, refused"
waf-sync --ip-set blocklist --replace --allow-empty < /dev/null > out 2> err
is "$?:$(held blocklist)" "0:" "--allow-empty: emptied"

# --remove and merge go on with what was read: less input, less change
ips 203.0.113.1 203.0.113.2 | waf-sync --ip-set blocklist > /dev/null
{ ips 203.0.113.1; printf '{"HostIp":"203.0.113.2'; } > cutrm.jsonl
waf-sync --ip-set blocklist --remove cutrm.jsonl > out 2> err
is "$?:$(held blocklist)" "1:203.0.113.2/32" \
    "--remove, cut off: what was read is unblocked, the rest stays"
is "$(invalid)" "" "every request valid and signed"
