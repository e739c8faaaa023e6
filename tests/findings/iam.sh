#!/bin/sh
# iam.sh: share/examples/iam/sources.json and the IAM section of
# sh-findings(1) name exactly the actions of the calls sh-findings makes
# (GetFindingsV2 is authorised as securityhub:GetFindings, the batch calls
# as their single forms).
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
plan 2

called=$(for f in src_shub:securityhub src_gd:guardduty src_sqs:sqs; do
	grep -ohE '"[A-Z][A-Za-z0-9]+"' "$top_srcdir/lib/${f%%:*}.c" |
	    tr -d '"' | grep -E '^(Get|List|Receive|Delete|Change)' |
	    sed -e 's/Batch$//' -e 's/V2$//' -e "s/^/${f#*:}:/"
done | sort -u)
policy=$(jq -r '.Statement[].Action[]' \
    "$top_srcdir/share/examples/iam/sources.json" |
    grep -E '^(securityhub|guardduty|sqs):' | sort -u)
manpage=$(sed -n '/^\.Sh IAM/,/^\.Sh /p' "$top_srcdir/man/sh-findings.1" |
    sed -n 's/^\.Li \([a-z]*:[A-Za-z]*\).*/\1/p' | sort -u)
is "$policy" "$called" "the policy allows exactly the actions called"
is "$manpage" "$called" "the man page names exactly the actions called"
