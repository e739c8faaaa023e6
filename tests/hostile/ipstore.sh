#!/bin/sh
# ipstore.sh: ipstore add (SQLite store) against hostile input (see
# lib-hostile.sh): bad records and almost-valid addresses are rejected one
# by one, the good ones stored; nothing else lands in the store.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hostile/lib-hostile.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
hostile_inputs
plan $((12 * (HOSTILE_POINTS + 1)))
export SECHUB_NOW=2026-01-05T00:00:00Z

# name status messages output-lines RSS-limit-MB stored
while read -r name want rej good mb stored; do
	hostile_run "$name" ipstore -s "sqlite:$TMP/$name.db" add \
	    --max-line "$HOSTILE_MAXLINE"
	hostile_check "$name" ipstore "$want" "$rej" "$good" "$mb"
	n=$(ipstore -s "sqlite:$TMP/$name.db" count 2>&1)
	if [ "$stored" = + ]; then
		# random bytes hold no address; the good record is stored
		is "$n" 1 "$name: addresses in the store"
	else
		is "$n" "$stored" "$name: addresses in the store"
	fi
done <<EOF2
deep.jsonl 1 3 1 16 1
longline.jsonl 0 0 2 $((HOSTILE_BIGMB * 5 + 32)) 2
longbad.jsonl 1 1 1 $((HOSTILE_BIGMB * 3 + 16)) 1
nul.jsonl 1 4 2 16 2
nulkey.jsonl 1 1 1 16 1
utf8.jsonl 1 10 1 16 1
surrogates.jsonl 1 6 2 16 2
numbers.jsonl 1 3 8 16 2
random.bin 1 + 1 16 +
crlf.jsonl 0 0 2 16 2
noeol.jsonl 0 0 2 16 2
almost-ip.jsonl 1 28 1 16 1
EOF2
