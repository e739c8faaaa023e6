#!/bin/sh
# slack-notify.sh: slack-notify --dry-run against hostile input (see
# lib-hostile.sh): records pass through (even those it cannot decode), the
# payloads it would post stay valid JSON, within Slack's size limits.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hostile/lib-hostile.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
hostile_inputs
plan $((12 * (HOSTILE_POINTS + 1) + 2))
export SECHUB_NOW=2026-01-05T00:00:00Z

# name status messages output-lines RSS-limit-MB
while read -r name want rej good mb; do
	rm -f "$TMP/payloads"
	hostile_run "$name" slack-notify -n --payloads "$TMP/payloads" \
	    --max-line "$HOSTILE_MAXLINE"
	hostile_check "$name" slack-notify "$want" "$rej" "$good" "$mb"
	# every payload is one JSON object no larger than Slack accepts
	bad=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], "rb"):
    v = json.loads(line)
    if not isinstance(v, dict) or len(line) > 40000:
        n += 1
print(n)' "$TMP/payloads" 2>&1)
	is "$bad" 0 "$name: payloads are JSON objects of at most 40 kB"
done <<EOF2
deep.jsonl 1 3 1 16
longline.jsonl 0 0 2 $((HOSTILE_BIGMB * 4 + 16))
longbad.jsonl 1 1 1 $((HOSTILE_BIGMB * 3 + 16))
nul.jsonl 1 4 2 16
nulkey.jsonl 1 1 2 16
utf8.jsonl 1 10 1 16
surrogates.jsonl 1 6 2 16
numbers.jsonl 1 3 11 16
random.bin 1 + + 16
crlf.jsonl 0 0 2 16
noeol.jsonl 0 0 2 16
almost-ip.jsonl 0 0 29 16
EOF2

# finding fields are the attacker's: a link that is a mention, mrkdwn in the
# product name; the alert is still posted, and mentions nobody
cat >"$TMP/mention.json" <<'EOF2'
{"class_uid":2004,"severity_id":4,"severity":"High","time_dt":"2026-01-05T01:20:33.000Z","metadata":{"product":{"name":"<!here> <b>"}},"finding_info":{"uid":"f-1","title":"<!channel> look","src_url":"!channel"}}
EOF2
rm -f "$TMP/payloads"
st=0
slack-notify -n --payloads "$TMP/payloads" <"$TMP/mention.json" >/dev/null \
    2>"$TMP/err" || st=$?
is "$st:$(cat "$TMP/err")" "0:" "a finding with mrkdwn in its fields is still posted"
# (plain_text, as in the header, shows "<!channel>" as it is)
mentions=$(python3 -c '
import json, re, sys
n = 0
def walk(x):
    global n
    if isinstance(x, dict):
        if x.get("type") == "plain_text":
            return
        for k, v in x.items():
            if isinstance(v, str) and k == "text" and re.search("<[!@#]", v):
                n += 1
            else:
                walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
for line in open(sys.argv[1]):
    walk(json.loads(line))
print(n)' "$TMP/payloads")
is "$mentions" 0 "and its mrkdwn mentions nobody"
