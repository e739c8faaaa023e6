#!/bin/sh
# flood.sh: a burst of 200 findings (and of 200 blocked IPs) becomes one
# digest message each, within Slack's limits, most severe first.
. "$top_srcdir/tests/lib.sh"
tmpdir
. "$top_srcdir/tests/slack/lib-slack.sh"
plan 11
vg_only slack-notify

"$top_srcdir/tests/gen-findings" --count 200 --seed 7 >"$TMP/findings"
start_slack
slack-notify <"$TMP/findings" >"$TMP/out" 2>"$TMP/err"
ok $? "200 findings: exit status 0"
cmp -s "$TMP/findings" "$TMP/out"
ok $? "200 findings: passed through byte for byte"
is "$(slack_q 'len(L)')" 1 "200 findings: one post"
is "$(slack_q 'L[0]["errors"]')" "[]" "the digest is within Slack's limits"
# An event may hold several findings: count them all.
n=$(/usr/bin/python3 -c '
import json, sys
print(sum(len(json.loads(l)["detail"]["findings"]) for l in open(sys.argv[1])))
' "$TMP/findings")
is "$(slack_q 'P[0]["text"].split(": ")[1]')" "$n findings" \
    "the fallback says how many findings"
# The per-severity counts in the digest add up to the whole burst.
is "$(slack_q 'sum(int(x.split()[0]) for x in P[0]["blocks"][1]["text"]["text"].split(", "))')" \
    "$n" "its severity counts add up to $n"
is "$(slack_q 'P[0]["blocks"][2]["text"]["text"].split()[2]')" \
    "$(slack_q 'P[0]["blocks"][1]["text"]["text"].split(", ")[0].split()[1]')" \
    "the most severe finding is listed first"
# As many as fit are listed (at most 25), the rest counted.
is "$(slack_q '(lambda t: len(t) - 1 + int(t[-1].split()[2]))(P[0]["blocks"][2]["text"]["text"].splitlines())')" \
    "$n" "listed and counted add up to $n"

# 200 blocked IPs, as nfw-sync passes them on.
/usr/bin/python3 -c '
import json
for i in range(200):
    print(json.dumps({"HostIp": "198.51.100.%d" % (i % 256) if i < 256 else "",
        "FindingType": "Recon:EC2/PortProbeUnprotectedPort", "Severity": "LOW",
        "NewIP": True, "CreatedAt": "2026-01-05T01:20:33Z", "Blocked": True,
        "FindingId": "arn:aws:guardduty:us-west-2:123456789012:detector/d/finding/f%d" % i}))
' >"$TMP/ips"
start_slack
slack-notify <"$TMP/ips" >"$TMP/out" 2>"$TMP/err"
ok $? "200 IPs: exit status 0"
is "$(slack_q 'len(L)')" 1 "200 IPs: one post"
is "$(slack_q 'P[0]["text"]')" \
    ":no_entry: 200 IPs blocked: 198.51.100.0, 198.51.100.1, 198.51.100.2, and 197 more" \
    "the fallback names the first IPs and counts the rest"
