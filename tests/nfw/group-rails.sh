#!/bin/sh
# group-rails.sh: what our two rules already hold obeys the same rails as
# the input. A match-all, special-purpose or allowlisted block found there
# is taken out (in every mode, even with no input), reported on stderr, in
# the records, the --summary record and the dry-run plan, and never copied
# into the other rule; other rules' match-alls are left alone, warned about.
. "$top_srcdir/tests/nfw/fake.sh"
plan 33

R='.RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules'
# group FILTER: the fixture group with a change, as a describe answer
group() { jq "$1" "$FIXTURES/nfw/group.json"; }
add_src() { group "($R[] | select(.Priority == 30000) | .RuleDefinition.MatchAttributes.Sources) += [$1]"; }
cidr() { printf '{"AddressDefinition":"%s"}' "$1"; }

# the issue's reproduction, offline: 0.0.0.0/0 in Sources of priority 30000
add_src "$(cidr 0.0.0.0/0)" > all.json
echo '{"HostIp":"198.51.100.9"}' | nfw-sync --rule-group blocklist \
    --describe-file all.json --dry-run > plan.json 2> err
is "$?" 0 "dry run, 0.0.0.0/0 in Sources: exit 0"
is "$(jq -c "[.UpdateRuleGroup$R[] | select(.Priority >= 30000 and .Priority <= 30100) | .RuleDefinition.MatchAttributes[][].AddressDefinition]" plan.json)" \
    '["198.51.100.7/32","198.51.100.9/32","198.51.100.7/32","198.51.100.9/32"]' \
    "dry run: 0.0.0.0/0 is in neither rule of the plan, the rest is kept"
is "$(jq -c .Cleaned plan.json)" '[{"Block":"0.0.0.0/0","Reason":"matches all traffic"}]' \
    "dry run: the plan says what goes and why"
is "$(cat err)" "nfw-sync: blocklist: would be removed from the group: 0.0.0.0/0: matches all traffic" \
    "dry run: and says so on stderr"

# the same against the stand-in: the group is cleaned, the records say it
start_fake "$TMP/all.json"
echo '{"HostIp":"198.51.100.9"}' | nfw-sync --rule-group blocklist > out 2> err
is "$?" 0 "0.0.0.0/0: exit 0"
is "$(blocked 30000 Sources) | $(blocked 30100 Destinations)" \
    "198.51.100.7/32 198.51.100.9/32 | 198.51.100.7/32 198.51.100.9/32" \
    "0.0.0.0/0: gone from Sources, never in Destinations"
is "$(cat err)" "nfw-sync: blocklist: removed from the group: 0.0.0.0/0: matches all traffic" \
    "0.0.0.0/0: reported on stderr"
is "$(cat out)" '{"HostIp":"198.51.100.9","Blocked":true}
{"HostIp":"0.0.0.0/0","Blocked":false,"Unblocked":true,"Reason":"matches all traffic","Cleaned":true}' \
    "0.0.0.0/0: the input record, then one record for what was cleaned"
echo '{"HostIp":"198.51.100.9"}' | nfw-sync --rule-group blocklist > out 2> err
is "$?:$(calls UpdateRuleGroup):$(cat out):$(cat err)" \
    '0:1:{"HostIp":"198.51.100.9","Blocked":true}:' \
    "0.0.0.0/0: the next run has nothing to clean"
is "$(invalid)" "" "0.0.0.0/0: every request valid and signed"

# special ranges, ::/0 and the allowlist, with no input at all; the allowlist
# takes out the part of a block it overlaps
printf '%s\n' 192.0.2.128/25 > allow.txt
group "($R[] | select(.Priority == 30000) | .RuleDefinition.MatchAttributes.Sources) += [$(cidr 10.0.0.5/32), $(cidr 192.0.2.0/24), $(cidr 100.64.0.0/9)]
    | ($R[] | select(.Priority == 30100) | .RuleDefinition.MatchAttributes.Destinations) += [$(cidr ::/0), $(cidr fe80::1/128)]" > special.json
fake_load "$TMP/special.json"
nfw-sync --rule-group blocklist --allowlist "$TMP/allow.txt" --summary \
    < /dev/null > out 2> err
is "$?" 0 "no input: exit 0"
is "$(blocked 30000 Sources) | $(blocked 30100 Destinations)" \
    "100.0.0.0/10 192.0.2.0/25 198.51.100.7/32 | 100.0.0.0/10 192.0.2.0/25 198.51.100.7/32" \
    "no input: the group is cleaned all the same, what may stay stays"
is "$(jq -c '[.Changed, .Removed > 0, .Cleaned]' out)" \
    '[true,true,[{"Block":"10.0.0.5/32","Reason":"special-purpose address: private (RFC 1918)"},{"Block":"100.64.0.0/10","Reason":"special-purpose range: shared address space (RFC 6598)"},{"Block":"192.0.2.128/25","Reason":"allowlisted: 192.0.2.128/25"},{"Block":"::/0","Reason":"matches all traffic"},{"Block":"fe80::1/128","Reason":"special-purpose address: link-local"}]]' \
    "no input: the --summary record lists each block taken out, and why"
is "$(cat err)" "nfw-sync: blocklist: removed from the group: 10.0.0.5/32: special-purpose address: private (RFC 1918)
nfw-sync: blocklist: removed from the group: 100.64.0.0/10: special-purpose range: shared address space (RFC 6598)
nfw-sync: blocklist: removed from the group: 192.0.2.128/25: allowlisted: 192.0.2.128/25
nfw-sync: blocklist: removed from the group: ::/0: matches all traffic
nfw-sync: blocklist: removed from the group: fe80::1/128: special-purpose address: link-local" \
    "no input: one line for each"
is "$(invalid)" "" "no input: every request valid and signed"

# remove and replace clean too; the records name each block for slack-notify
fake_load "$TMP/special.json"
printf '{"HostIp":"198.51.100.7"}\n' | nfw-sync --rule-group blocklist \
    --remove > out 2> /dev/null
is "$?" 0 "--remove: exit 0"
is "$(blocked 30000 Sources)" "100.0.0.0/10 192.0.2.0/24" \
    "--remove: the address unblocked, the special blocks with it"
is "$(jq -c 'select(.Cleaned) | [.HostIp, .Blocked, .Unblocked]' out | tr '\n' ' ')" \
    '["10.0.0.5",false,true] ["100.64.0.0/10",false,true] ["::/0",false,true] ["fe80::1",false,true] ' \
    "--remove: a record per cleaned block (a host as its address)"
is "$(head -1 out)" '{"HostIp":"198.51.100.7","Blocked":false,"Unblocked":true}' \
    "--remove: the input record comes first"
fake_load "$TMP/special.json"
printf '{"HostIp":"203.0.113.5"}\n' | nfw-sync --rule-group blocklist \
    --replace --summary > out 2> /dev/null
is "$?:$(blocked 30000 Sources)" "0:203.0.113.5/32" "--replace: exactly the input"
is "$(jq -c '[.Cleaned[].Block]' out)" \
    '["10.0.0.5/32","100.64.0.0/10","::/0","fe80::1/128"]' \
    "--replace: still says which blocks broke the rails"

# --allow-private keeps special ranges in the group as in the input; never a /0
fake_load "$TMP/special.json"
nfw-sync --rule-group blocklist --allow-private --summary < /dev/null \
    > out 2> err
is "$?" 0 "--allow-private: exit 0"
is "$(blocked 30000 Sources) | $(blocked 30100 Destinations)" \
    "10.0.0.5/32 100.0.0.0/9 192.0.2.0/24 198.51.100.7/32 fe80::1/128 | 10.0.0.5/32 100.0.0.0/9 192.0.2.0/24 198.51.100.7/32 fe80::1/128" \
    "--allow-private: special ranges stay (in both rules), ::/0 goes"
is "$(jq -c '.Cleaned' out)" '[{"Block":"::/0","Reason":"matches all traffic"}]' \
    "--allow-private: only the match-all is cleaned"

# failure: nothing changed, so the records say the cleaned block is still there
fake_load "$TMP/all.json"
fake_control '{"faults":[{"op":"UpdateRuleGroup","status":503,"type":"ServiceUnavailable","message":"down","times":9}]}'
echo '{"HostIp":"198.51.100.9"}' | AWS_MAX_ATTEMPTS=1 nfw-sync \
    --rule-group blocklist > out 2> err
is "$?" 3 "update fails: exit 3"
is "$(jq -c 'select(.Cleaned) | [.HostIp, .Blocked, .Unblocked, (.Reason | startswith("matches all traffic: not removed: "))]' out)" \
    '["0.0.0.0/0",true,false,true]' "update fails: the match-all is still blocked, and why"
grep -q '^nfw-sync: blocklist: still in the group: 0.0.0.0/0: matches all traffic$' err
ok "$?" "update fails: stderr says it is still there"

# someone else's drop rule: a match-all or special range is only warned about
group "$R += [{\"Priority\":200,\"RuleDefinition\":{\"MatchAttributes\":{\"Destinations\":[$(cidr 0.0.0.0/0),$(cidr 172.16.0.0/12),$(cidr 203.0.113.0/24)]},\"Actions\":[\"aws:drop\"]}}]" > other.json
fake_load "$TMP/other.json"
before=$(fake_state | jq -c "$R[] | select(.Priority == 200)")
echo '{"HostIp":"198.51.100.9"}' | nfw-sync --rule-group blocklist --summary \
    > out 2> err
is "$?" 0 "another rule's match-all: exit 0"
is "$(fake_state | jq -c "$R[] | select(.Priority == 200)")" "$before" \
    "another rule's match-all: left alone"
is "$(blocked 30100 Destinations)" "198.51.100.7/32 198.51.100.9/32" \
    "another rule's match-all: not ours to copy"
is "$(cat err)" "nfw-sync: blocklist: rule at priority 200 drops Destinations 0.0.0.0/0: matches all traffic: not ours, left alone
nfw-sync: blocklist: rule at priority 200 drops Destinations 172.16.0.0/12: special-purpose range: private (RFC 1918): not ours, left alone" \
    "another rule's match-all and special range: warned about"
is "$(jq -c '[.LeftAlone, .Cleaned]' out)" \
    '[[{"Priority":200,"Match":"Destinations","Block":"0.0.0.0/0","Reason":"matches all traffic"},{"Priority":200,"Match":"Destinations","Block":"172.16.0.0/12","Reason":"special-purpose range: private (RFC 1918)"}],null]' \
    "another rule's: in the --summary record, as left alone"
is "$(invalid)" "" "every request valid and signed"
