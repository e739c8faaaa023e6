#!/bin/sh
# sh-match.sh: sh-match against hostile input (see lib-hostile.sh), with a
# pattern that reads HostIp as an address (cidr), so the almost-valid
# addresses are looked at, and none of them matches.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hostile/lib-hostile.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
hostile_inputs
plan $((12 * HOSTILE_POINTS + 1))
echo '{"HostIp":[{"cidr":"203.0.113.0/24"}]}' >"$TMP/pattern.json"

# name status messages output-lines RSS-limit-MB (status: grep's 0/1/2)
while read -r name want rej good mb; do
	hostile_run "$name" sh-match -p "$TMP/pattern.json" \
	    --max-line "$HOSTILE_MAXLINE"
	hostile_check "$name" sh-match "$want" "$rej" "$good" "$mb"
done <<EOF2
deep.jsonl 2 3 1 16
longline.jsonl 0 0 2 $((HOSTILE_BIGMB * 3 + 16))
longbad.jsonl 2 1 1 $((HOSTILE_BIGMB * 3 + 16))
nul.jsonl 2 4 2 16
nulkey.jsonl 0 0 1 16
utf8.jsonl 2 10 1 16
surrogates.jsonl 2 6 2 16
numbers.jsonl 0 0 11 16
random.bin 2 + + 16
crlf.jsonl 0 0 2 16
noeol.jsonl 0 0 2 16
almost-ip.jsonl 0 0 2 16
EOF2
# of the almost-valid addresses only the array holding a good one matches
hostile_run almost-ip.jsonl sh-match -p "$TMP/pattern.json"
is "$(cat "$TMP/out")" '{"HostIp":["203.0.113.1"]}
{"HostIp":"203.0.113.9","FindingId":"good-1"}' \
    "almost-ip.jsonl: no almost-valid address is taken for one"
