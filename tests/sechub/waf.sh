#!/bin/sh
# waf.sh: a configuration with a Network Firewall target and AWS WAF IP
# set targets ([target NAME] with type = waf: one IPv4 set, one IPv6 set):
# sechub block, unblock, status and reconcile act on the sets through
# waf-sync as on the rule group; drift on a set is reported and repaired;
# a failing WAF target does not stop the rule group, and the next run
# repairs it. Against the Network Firewall and WAF stand-ins.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
# Under valgrind (CI time) only block, status and unblock: the drift and
# failure scenarios run sechub's same paths, which status.sh and flows.sh
# check there for the rule group.
if [ -n "${SECHUB_VALGRIND:-}" ]; then plan 10; else plan 24; fi

# the WAF stand-in, with two empty sets, signed with the same fake key
cat > "$TMP/sets.json" <<EOF2
{"IPSets": [
 {"Name": "web", "Id": "a1b2c3d4-5678-90ab-cdef-111122223333",
  "IPAddressVersion": "IPV4", "Addresses": [], "Region": "us-east-1"},
 {"Name": "web-v6", "Id": "b1b2c3d4-5678-90ab-cdef-111122223333",
  "IPAddressVersion": "IPV6", "Addresses": [], "Region": "us-east-1"}]}
EOF2
WAF_LOG=$TMP/waf-requests.jsonl
/usr/bin/python3 "$top_srcdir/tests/fakes/waf_server.py" \
    --port-file "$TMP/waf-port" --state "$TMP/sets.json" --log "$WAF_LOG" \
    --secret "$NFW_SECRET" &
at_exit "kill $! 2>/dev/null"
_i=0
until [ -s "$TMP/waf-port" ]; do
	[ $_i -lt 300 ] || { echo "Bail out! the WAF stand-in did not start"; exit 1; }
	_i=$((_i + 1))
	sleep 0.1
done
WAF_URL=http://127.0.0.1:$(cat "$TMP/waf-port")
export AWS_ENDPOINT_URL_WAFV2=$WAF_URL

cat >> "$TMP/config" <<EOF2
targets = web web6

[target web]
type = waf
ip_set = web
scope = REGIONAL

[target web6]
type = waf
ip_set = web-v6
region = us-east-1
EOF2

# held NAME: the addresses of a WAF set, sorted
held() {
	curl -sf "$WAF_URL/_state" | jq -r --arg n "$1" \
	    '.IPSets[] | select(.Name == $n) | .Addresses[]' | sort |
	    tr '\n' ' ' | sed 's/ $//'
}
waf_updates() { jq -r 'select(.Op == "UpdateIPSet") | .Op' "$WAF_LOG" | wc -l | tr -d ' '; }
st() { sechub status --format json 2>/dev/null | jq -c "select(.Target == \"$1\") | $2"; }
group_before=$(fake_state | jq -cS 'del(.UpdateToken, .RuleGroupResponse.LastModifiedTime)')

out=$(sechub block 203.0.113.50 198.51.100.0/24 2001:db8:5::1 2>"$TMP/err")
is "$?:$(cat "$TMP/err")" "0:" "block onto a rule group and two IP sets: exit 0"
is "$(printf '%s\n' "$out" | jq -r '[.HostIp, .Blocked] | @tsv' | sort)" \
    "$(printf '198.51.100.0/24\ttrue\n2001:db8:5::1\ttrue\n203.0.113.50\ttrue')" \
    "each address blocked on every target"
is "$(group_blocks)" "198.51.100.0/24 2001:db8:5::1/128 203.0.113.50/32" \
    "the rule group blocks all three"
is "$(held web):$(held web-v6)" "198.51.100.0/24 203.0.113.50/32:2001:db8:5::1/128" \
    "the IPv4 set blocks the IPv4 ones, the IPv6 set the IPv6 one"

sechub status >"$TMP/out" 2>&1
is "$?" 0 "status: in sync, exit 0"
is "$(sed -n '2,4p' "$TMP/out" | tr -s ' ')" "blocklist 258 9/100 in sync
web 257 2/10000 in sync
web6 1 1/10000 in sync" "status counts each target's addresses and capacity (blocks of the set's 10,000)"
is "$(st web '[.IPSet, .Blocked, .CapacityUsed, .Capacity, .InSync]')" \
    '["arn:aws:wafv2:us-east-1:111122223333:regional/ipset/web/a1b2c3d4-5678-90ab-cdef-111122223333",257,2,10000,true]' \
    "status --format json names the IP set by its ARN"

out=$(sechub unblock 203.0.113.50 198.51.100.0/24 2001:db8:5::1 2>"$TMP/err")
is "$?:$(cat "$TMP/err")" "0:" "unblock from every target: exit 0"
is "$(held web):$(held web-v6):$(store_ips):$(pending_ips)" ":::" \
    "the sets are empty again, the store forgot them"
is "$(fake_state | jq -cS 'del(.UpdateToken, .RuleGroupResponse.LastModifiedTime)')" \
    "$group_before" "the rule group is as it was before the block"
[ -z "${SECHUB_VALGRIND:-}" ] || exit 0

# drift on the WAF set: a stranger in it, a store entry not in it
sechub block 203.0.113.60 >/dev/null 2>&1
printf '{"HostIp":"10.1.2.3"}\n' |
    waf-sync --ip-set web --region us-east-1 --allow-private >/dev/null 2>&1
printf '{"HostIp":"203.0.113.65"}\n' | ipstore add >/dev/null
printf '{"HostIp":"203.0.113.65"}\n' | nfw-sync -g blocklist >/dev/null 2>&1
sechub status >"$TMP/out" 2>&1
is "$?" 1 "drift on the IP set: exit 1"
is "$(st web '[.NotBlocked, .NotInStore, .Unsafe[].Block, .InSync]')" \
    '[["203.0.113.65/32"],["10.1.2.3/32"],"10.1.2.3/32",false]' \
    "status names the missing entry and the stranger (special-purpose, too)"
is "$(st blocklist .InSync):$(grep -c DRIFT "$TMP/out")" "true:1" \
    "the rule group is in sync: only the set is marked"
sechub reconcile >"$TMP/rec" 2>"$TMP/err"
is "$?" 0 "reconcile: exit 0"
is "$(jq -r '[.Target, .Changed] | @tsv' "$TMP/rec" | tr '\t\n' ': ')" \
    "blocklist:false web:true web6:false " "one result per target, the set changed"
is "$(held web)" "203.0.113.60/32 203.0.113.65/32" "the set holds the store's entries, no stranger"

# a WAF target that fails does not stop the rule group; the next run repairs it
out=$(AWS_ENDPOINT_URL_WAFV2=http://127.0.0.1:1 sechub block 203.0.113.70 2>"$TMP/err")
is "$?" 3 "block with the WAF endpoint down: exit 3"
is "$(printf '%s\n' "$out" | jq -c '[.Blocked, (.Failed | length)]')" '[false,2]' \
    "the record names both failed targets"
is "$(group_blocks)" "203.0.113.60/32 203.0.113.65/32 203.0.113.70/32" \
    "the rule group blocks it all the same"
out=$(AWS_ENDPOINT_URL_WAFV2=http://127.0.0.1:1 sechub unblock 203.0.113.60 2>"$TMP/err")
is "$(held web):$(pending_ips)" "203.0.113.60/32 203.0.113.65/32:203.0.113.60" \
    "an unblock the set missed stays pending in the store"
n=$(waf_updates)
sechub reconcile >/dev/null 2>&1
is "$?:$(held web)" "0:203.0.113.65/32 203.0.113.70/32" \
    "the next reconcile blocks what the set missed and unblocks the pending one"
is "$(pending_ips):$(($(waf_updates) - n))" ":1" \
    "with one UpdateIPSet, then forgets the pending entry"

# the configuration: what sechub config shows, and a target naming two sets
is "$(sechub config | grep '^target web ' | tr -s ' ' | sed 's/ (.*//')" \
    "target web ip set web, scope REGIONAL" "sechub config shows the IP set and its scope"
sed 's/^ip_set = web$/ip_set = web web-v6/' "$TMP/config" > "$TMP/config2"
out=$(SECHUB_CONFIG=$TMP/config2 sechub status 2>&1; echo "status $?")
is "$out" "sechub: $TMP/config2:12: [target web]: ip_set: one IP set per target (an IPv4 and an IPv6 set are two targets)
status 2" "a target naming two IP sets is a configuration error"
