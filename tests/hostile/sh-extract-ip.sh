#!/bin/sh
# sh-extract-ip.sh: sh-extract-ip against hostile input (see lib-hostile.sh),
# each hostile record wrapped in a GuardDuty finding naming it as the
# remote address.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hostile/lib-hostile.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
hostile_inputs finding
plan $((12 * HOSTILE_POINTS + 1))

# name status messages output-lines RSS-limit-MB
while read -r name want rej good mb; do
	hostile_run "$name" sh-extract-ip --max-line "$HOSTILE_MAXLINE"
	hostile_check "$name" sh-extract-ip "$want" "$rej" "$good" "$mb"
done <<EOF2
deep.jsonl 1 3 1 16
longline.jsonl 0 0 2 $((HOSTILE_BIGMB * 4 + 16))
longbad.jsonl 1 1 1 $((HOSTILE_BIGMB * 3 + 16))
nul.jsonl 1 5 1 16
nulkey.jsonl 0 1 1 16
utf8.jsonl 1 10 1 16
surrogates.jsonl 1 6 2 16
numbers.jsonl 0 0 11 16
random.bin 1 + + 16
crlf.jsonl 0 0 2 16
noeol.jsonl 0 0 2 16
almost-ip.jsonl 0 23 1 16
EOF2
# every almost-valid address string is named as such, none is extracted
hostile_run almost-ip.jsonl sh-extract-ip
is "$(grep -c ': not an IP address: "' "$TMP/err"):$(grep -c '203.0.113.9' "$TMP/out")" \
    "23:1" "almost-ip.jsonl: each string named as no address, only the good one extracted"
