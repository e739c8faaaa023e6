#!/bin/sh
# many-rules.sh: 10,000 rules (--rules, the shape bench/match/gen-rules
# writes: a shared envelope, a region and an account each) work, and tag
# every event with exactly the rules the reference evaluator finds.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
plan 3
# (in the valgrind pass, 1,000 rules on 50 events: the same code paths)
nrules=$(vg_scale 10000 1000)
"$top_srcdir/tests/gen-findings" --count "$(vg_scale 200 50)" --seed 1 > "$TMP/in.jsonl"
"$top_srcdir/bench/match/gen-rules" "$nrules" > "$TMP/rules.json"
sh-match --rules "$TMP/rules.json" --tag rules "$TMP/in.jsonl" \
    > "$TMP/fast.out" 2> "$TMP/fast.err"
fst=$?
sh-match --reference --rules "$TMP/rules.json" --tag rules "$TMP/in.jsonl" \
    > "$TMP/ref.out" 2> "$TMP/ref.err"
rst=$?
ok $(test $fst = 0 && test $rst = 0 && test ! -s "$TMP/fast.err"; echo $?) \
    "$nrules rules: compiled and matched (status $fst)"
ok $(test "$(wc -l < "$TMP/fast.out")" -gt 0; echo $?) "some events match"
ok $(cmp -s "$TMP/fast.out" "$TMP/ref.out"; echo $?) \
    "the same records with the same rule names as the reference"
