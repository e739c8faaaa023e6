#!/bin/sh
# patterns.sh: the shipped event patterns. The original automation's two
# rules are kept verbatim; the ones to start from select every GuardDuty
# finding that names a remote host (every region, IPv4 and IPv6, every
# action type, Security Hub imports and native events) and every HIGH and
# CRITICAL finding, measured on generated events.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
cd "$TMP" || exit 99
P=$top_srcdir/share/examples/patterns
plan 14

sh-match --check "$P"/*.json > check.out 2>&1
ok $? "sh-match --check accepts every shipped pattern"
is "$(ls "$P")" "catch-remote-hosts.json
high-critical.json
original-catch-ipv4-us-west-2.json
original-high-critical-us-west-2.json" "the four patterns, the originals named as such"
# the bytes of the original's rules (us-west-2-gd-catch-ipv4 and its
# HIGH/CRITICAL companion), as first shipped
is "$(cd "$P" && sha256sum original-*.json)" \
"4c9aa9b0ec44e1615e6edf149c62e3ef62b5d0c36516aa7364e2a5525f752c2c  original-catch-ipv4-us-west-2.json
c26f46aa18ada1019f5ce4295f2a925a4b8960341a21a8f9ce0f49f2366f2609  original-high-critical-us-west-2.json" \
    "the original rules are kept verbatim"

# events of both kinds, every region, a third IPv6
python3 "$top_srcdir/tests/gen-findings" --count 3000 --seed 16 --ipv6 0.3 \
    > sh.jsonl
python3 "$top_srcdir/tests/gen-findings" --shape gd-event --partial 0 \
    --count 1000 --seed 16 --ipv6 0.3 > gd.jsonl
cat sh.jsonl gd.jsonl > events.jsonl

# hosts FILE: the (finding, remote host) pairs sh-extract-ip finds
hosts() {
	sh-extract-ip --allow-private -q "$@" |
	    jq -r '[.FindingId, .HostIp, .ActionType, .IpVersion] | @tsv' |
	    sort -u
}
hosts events.jsonl > all.tsv
sh-match -p "$P/catch-remote-hosts.json" events.jsonl > remote.jsonl
hosts remote.jsonl > remote.tsv
ok $(test -s all.tsv; echo $?) "the generated findings name remote hosts"
is "$(comm -23 all.tsv remote.tsv | head -5)" "" \
    "catch-remote-hosts: every finding that names a remote host is selected"
is "$(cut -f3 remote.tsv | sort -u | tr '\n' ' ')" \
    "AWS_API_CALL KUBERNETES_API_CALL NETWORK_CONNECTION PORT_PROBE RDS_LOGIN_ATTEMPT " \
    "catch-remote-hosts: every action type that names a remote host"
is "$(cut -f4 remote.tsv | sort -u | tr '\n' ' ')" "4 6 " \
    "catch-remote-hosts: IPv4 and IPv6"
is "$(jq -r '.source' remote.jsonl | sort -u | tr '\n' ' ')" \
    "aws.guardduty aws.securityhub " \
    "catch-remote-hosts: Security Hub imports and native GuardDuty events"
is "$(jq -r .region remote.jsonl | sort -u)" "$(jq -r .region events.jsonl | sort -u)" \
    "catch-remote-hosts: in every region"
# the event's id (a native finding's own id), for each event selected and
# for each that yields a host
jq -r 'if .source == "aws.guardduty" then .detail.id else .id end' \
    remote.jsonl | sort -u > selected.ids
sh-extract-ip --allow-private -q -k id remote.jsonl | jq -r .id | sort -u \
    > yielding.ids
is "$(comm -23 selected.ids yielding.ids | head -5)" "" \
    "catch-remote-hosts: no event selected that names no remote host"

sh-match -p "$P/original-catch-ipv4-us-west-2.json" events.jsonl > orig.jsonl
sort remote.jsonl > remote.sorted
sort orig.jsonl > orig.sorted
ok $(test -s orig.sorted && ! comm -13 remote.sorted orig.sorted | grep -q .
    echo $?) "the original rule selects some of these, and nothing else"
echo "# $(wc -l < orig.jsonl | tr -d ' ') events by the original rule," \
    "$(wc -l < remote.jsonl | tr -d ' ') by catch-remote-hosts, of $(wc -l < events.jsonl | tr -d ' ')"

# high-critical: exactly the Security Hub findings labelled HIGH or
# CRITICAL and the native findings of severity 7 or more, anywhere
jq -c 'select((.source == "aws.securityhub"
	and .["detail-type"] == "Security Hub Findings - Imported"
	and ([.detail.findings[]?.Severity.Label] | any(. == "HIGH" or . == "CRITICAL")))
    or (.source == "aws.guardduty" and .["detail-type"] == "GuardDuty Finding"
	and ((.detail.severity | type) == "number") and .detail.severity >= 7))' \
    events.jsonl > want-high.jsonl 2>/dev/null
sh-match -p "$P/high-critical.json" events.jsonl | jq -c . > high.jsonl
ok $(test -s want-high.jsonl; echo $?) "some generated findings are HIGH or CRITICAL"
is "$(cmp want-high.jsonl high.jsonl 2>&1)" "" \
    "high-critical: exactly the HIGH and CRITICAL findings, both kinds, every region"
ok $(test "$(sh-match -c -p "$P/original-high-critical-us-west-2.json" events.jsonl)" \
    -lt "$(wc -l < high.jsonl)"; echo $?) "the original's rule sees only us-west-2"
