#!/bin/sh
# jl-cat.sh: the shared record loop (lib/input, lib/jl) against hostile
# input, through tests/hostile/jl-cat, a filter that decodes and re-encodes
# every record as the programs do.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hostile/lib-hostile.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
hostile_inputs
plan $((12 * HOSTILE_POINTS + 4))
cat="${SECHUB_VALGRIND:-} $top_builddir/tests/hostile/jl-cat"

# name status rejected good RSS-limit-MB
while read -r name want rej good mb; do
	# shellcheck disable=SC2086
	hostile_run "$name" $cat --max-line "$HOSTILE_MAXLINE"
	hostile_check "$name" jl-cat "$want" "$rej" "$good" "$mb"
done <<EOF2
deep.jsonl 1 3 1 16
longline.jsonl 0 0 2 $((HOSTILE_BIGMB * 6 + 16))
longbad.jsonl 1 1 1 $((HOSTILE_BIGMB * 3 + 16))
nul.jsonl 1 4 2 16
nulkey.jsonl 1 1 1 16
utf8.jsonl 1 10 1 16
surrogates.jsonl 1 6 2 16
numbers.jsonl 1 3 8 16
random.bin 1 + + 16
crlf.jsonl 0 0 2 16
noeol.jsonl 0 0 2 16
almost-ip.jsonl 0 0 29 16
EOF2

# the same input as a file argument, with --rejects: the messages name the
# file, and the rejects file holds the rejected lines byte for byte
st=0
# shellcheck disable=SC2086
timeout 120 $cat --rejects "$TMP/rej" "$HOSTILE/utf8.jsonl" >"$TMP/out" 2>"$TMP/err" || st=$?
is "$st" 1 "utf8.jsonl as a file: exit status"
is "$(grep -c "^jl-cat: $HOSTILE/utf8.jsonl:[0-9]*: invalid JSON: invalid UTF-8" "$TMP/err")" 10 \
    "utf8.jsonl as a file: file:line in each message"
head -10 "$HOSTILE/utf8.jsonl" >"$TMP/want"
ok "$(cmp -s "$TMP/rej" "$TMP/want"; echo $?)" "utf8.jsonl: rejects file holds the bad lines as they came"

# a large random input in pieces through a pipe: same verdicts as a file
st=0
# shellcheck disable=SC2086
cat "$HOSTILE/random.bin" | timeout 120 $cat >"$TMP/out2" 2>"$TMP/err2" || st=$?
hostile_run random.bin $cat
ok "$(cmp -s "$TMP/out" "$TMP/out2" && cmp -s "$TMP/err" "$TMP/err2"; echo $?)" \
    "random.bin through a pipe: same output and messages as from a file"
