#!/bin/sh
# safety.sh: special-purpose ranges and the allowlist are never blocked
# (unless --allow-private), IPv6 works, bad records are rejected.
. "$top_srcdir/tests/nfw/fake.sh"
plan 14
start_fake

printf '%s\n' 192.0.2.0/24 '# our office' 2001:db8:1::/48 > allow.txt
ips 10.1.2.3 127.0.0.1 0.0.0.0 ::1 fe80::1 169.254.169.254 192.0.2.55 \
    2001:db8:1::9 203.0.113.77 2001:db8:2::1 > in.jsonl
nfw-sync --rule-group blocklist --allowlist "$TMP/allow.txt" "$TMP/in.jsonl" \
    > "$TMP/out" 2> "$TMP/err"
is "$?" 0 "refusals are not errors: exit 0"
is "$(blocked 30000 Sources)" "198.51.100.7/32 203.0.113.77/32 2001:db8:2::1/128" \
    "only the ordinary public addresses are blocked"
is "$(blocked 30100 Destinations)" "198.51.100.7/32 203.0.113.77/32 2001:db8:2::1/128" \
    "in both directions"
is "$(jq -r '[.HostIp, .Blocked, .Reason // "-"] | join(" ")' "$TMP/out")" \
"10.1.2.3 false special-purpose address: private (RFC 1918)
127.0.0.1 false special-purpose address: loopback
0.0.0.0 false special-purpose address: unspecified (this network)
::1 false special-purpose address: loopback
fe80::1 false special-purpose address: link-local
169.254.169.254 false special-purpose address: link-local
192.0.2.55 false allowlisted: 192.0.2.0/24
2001:db8:1::9 false allowlisted: 2001:db8:1::/48
203.0.113.77 true -
2001:db8:2::1 true -" "each refusal has its reason"
is "$(grep -c 'refused' "$TMP/err")" 8 "each refusal is warned about"
is "$(sed -n 1p "$TMP/err")" \
    "nfw-sync: $TMP/in.jsonl:1: 10.1.2.3: refused: special-purpose address: private (RFC 1918)" \
    "warning names file and line"

# --allow-private lets private ranges through, never the allowlist
ips 10.1.2.3 192.0.2.55 | nfw-sync --rule-group blocklist --allow-private \
    --allowlist "$TMP/allow.txt" > "$TMP/out" 2>/dev/null
is "$(jq -c '[.Blocked, .Reason]' "$TMP/out" | tr '\n' ' ')" \
    '[true,null] [false,"allowlisted: 192.0.2.0/24"] ' \
    "--allow-private: private blocked, allowlist still wins"

# bad records are rejected, byte for byte, and the rest goes on
# (--allow-private keeps the private address blocked above: without it the
# run would take it out of the group, as group-rails.sh checks)
printf '%s\n' '{"HostIp":"203.0.113.300"}' 'not json' '{"NoIp":1}' \
    '{"HostIp":"203.0.113.78"}' > bad.jsonl
nfw-sync --rule-group blocklist --allow-private --rejects "$TMP/rej" \
    "$TMP/bad.jsonl" > "$TMP/out" 2> "$TMP/err"
is "$?" 1 "rejected records: exit 1"
is "$(cat "$TMP/rej")" '{"HostIp":"203.0.113.300"}
not json
{"NoIp":1}' "rejected records kept byte for byte"
is "$(cat "$TMP/out")" '{"HostIp":"203.0.113.78","Blocked":true}' \
    "the good record is blocked and passed on"
is "$(sed -n 1p "$TMP/err")" \
    "nfw-sync: $TMP/bad.jsonl:1: HostIp \"203.0.113.300\": not an IP address or CIDR block" \
    "rejection says file, line and why"
# a HostIp may be a block, but never 0.0.0.0/0 or ::/0, whatever the rails
printf '%s\n' '{"HostIp":"0.0.0.0/0"}' '{"HostIp":"::/0"}' |
    nfw-sync --rule-group blocklist --allow-private > "$TMP/out" 2> "$TMP/err"
is "$?:$(cat "$TMP/out")" '0:{"HostIp":"0.0.0.0/0","Blocked":true,"Reason":"matches all traffic"}
{"HostIp":"::/0","Blocked":true,"Reason":"matches all traffic"}' \
    "whole address spaces: refused (Blocked: the group blocks some of them)"
is "$(blocked 30000 Sources)" "10.1.2.3/32 198.51.100.7/32 203.0.113.77/32 203.0.113.78/32 2001:db8:2::1/128" \
    "whole address spaces: the blocklist did not change"
is "$(invalid)" "" "every request valid and signed"
