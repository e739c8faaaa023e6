#!/bin/sh
# fast-slow.sh: sh-match's fast path (a fused validating scanner that keeps
# only the fields rules use) decides exactly as the slow path (--reference:
# the shared reader's validation, a full parse, the reference evaluator) on
# generated findings of several shapes with malformed lines, and on input
# the fast path must hand over: pretty-printed records, CRLF, a byte order
# mark, duplicate keys, records that are not objects, no final newline.
# Same stdout, stderr, exit status and --rejects bytes, option by option.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
gen="$top_srcdir/tests/gen-findings"
ex="$top_srcdir/share/examples"
rules="$top_srcdir/bench/match/rules.json"

for shape in event getfindings gd-event mixed ocsf-event; do
	"$gen" --shape "$shape" --count "$(vg_scale 300 60)" --seed 5 --malformed 0.05 \
	    --ipv6 0.2 --partial 0.2 > "$TMP/$shape.jsonl"
done
printf '\357\273\277{"source":"aws.securityhub","a":1}\r\n\r\n' > "$TMP/odd.jsonl"
cat >> "$TMP/odd.jsonl" <<'EOT'
  {"source": "aws.guardduty", "source": "aws.securityhub"}
{"region": "us-west-2",
 "source": "aws.securityhub", "detail-type": "Security Hub Findings - Imported",
 "detail": {"findings": [{"Severity": {"Label": "HIGH"}}]}}
[1, 2, 3]
{"detail": {"findings": [{"Severity": {"Label": "LOW"}, "Severity": {"Label": "CRITICAL"}}]}, "region": "us-west-2", "source": "aws.securityhub", "detail-type": "Security Hub Findings - Imported"} {"source": "aws.securityhub"}
{"detail": {"findings": [{"Severity": {"Label": "HIGH"}, "Workflow": {"Status": "NEW"}}]}, "region": "us-west-2", "source": "aws.securityhub", "detail-type": "Security Hub Findings - Imported"}
{"detail": {"findings": [{"Severity": {"Label": "HIGH\u0000"}}]}, "x": "\ud800"}
{"detail": 01}
"just a string"
EOT
printf '{"region":"eu-north-1","detail":{"findings":[{"Title":"Recon:EC2/Portscan"}]}}' >> "$TMP/odd.jsonl"

inputs="event getfindings gd-event mixed ocsf-event odd"
set -- "-p $ex/patterns/original-high-critical-us-west-2.json" "-p $ex/patterns/original-catch-ipv4-us-west-2.json -v" \
    "--rules $rules --tag rules" "--rules $rules -c" \
    "-p $ex/patterns/original-high-critical-us-west-2.json -p $ex/patterns/original-catch-ipv4-us-west-2.json -q"
plan $((6 * $# + 2))

for opts in "$@"; do
	for in in $inputs; do
		# shellcheck disable=SC2086
		sh-match $opts --rejects "$TMP/fast.rej" "$TMP/$in.jsonl" \
		    "$TMP/odd.jsonl" > "$TMP/fast.out" 2> "$TMP/fast.err"
		fst=$?
		# shellcheck disable=SC2086
		sh-match --reference $opts --rejects "$TMP/ref.rej" \
		    "$TMP/$in.jsonl" "$TMP/odd.jsonl" > "$TMP/ref.out" \
		    2> "$TMP/ref.err"
		rst=$?
		ok $(test $fst = $rst && cmp -s "$TMP/fast.out" "$TMP/ref.out" &&
		    cmp -s "$TMP/fast.err" "$TMP/ref.err" &&
		    cmp -s "$TMP/fast.rej" "$TMP/ref.rej"; echo $?) \
		    "$in, $opts: fast path == reference (status $fst)"
		rm -f "$TMP/fast.rej" "$TMP/ref.rej"
	done
done

# not vacuous: records matched and records rejected
sh-match --rules "$rules" --tag r "$TMP/mixed.jsonl" > "$TMP/m.out" \
    2> "$TMP/m.err"
ok $(test "$(wc -l < "$TMP/m.out")" -gt 50; echo $?) "mixed: matches"
ok $(grep -q "invalid JSON" "$TMP/m.err"; echo $?) "mixed: rejects"
