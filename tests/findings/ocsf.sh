#!/bin/sh
# --ocsf: Security Hub's GetFindingsV2 (OCSF findings) with the cursor on
# finding_info.modified_time_dt. Python3-botocore before 1.35 has no
# GetFindingsV2: the stand-in then validates against a newer botocore's
# model where this machine has one (FAKE_BOTOCORE_DATA), else this skips.
. "$top_srcdir/tests/findings/lib.sh"
vg_only sh-findings
for py in /usr/bin/python3 python3; do
	d=$($py -c 'import botocore, os
print(os.path.join(os.path.dirname(botocore.__file__), "data"))' 2>/dev/null) ||
	    continue
	if ls "$d"/securityhub/*/service-2.json* >/dev/null 2>&1 &&
	    { cat "$d"/securityhub/*/service-2.json 2>/dev/null;
	      zcat "$d"/securityhub/*/service-2.json.gz 2>/dev/null; } |
	    grep -q '"GetFindingsV2"'; then
		export FAKE_BOTOCORE_DATA=$d
		break
	fi
done
[ -n "${FAKE_BOTOCORE_DATA:-}" ] ||
    skip_all "no botocore model with GetFindingsV2 on this machine"
plan 7

"$top_srcdir/tests/gen-findings" --shape ocsf --count 250 --seed 12 |
    jq -c '.cloud.region = "us-east-1"
	| .finding_info.modified_time_dt = .finding_info.created_time_dt
	| .metadata.product.name = (if (.finding_info.uid | test("guardduty"))
	    then "GuardDuty" else "Inspector" end)' >all.jsonl
jq -r 'select(.metadata.product.name == "GuardDuty") | .finding_info.uid' \
    all.jsonl | sort >want
start_fake securityhub --ocsf all.jsonl --regions us-east-1

sh-findings --ocsf --region us-east-1 --since 30d --state st.json >out1
is "$?" 0 "a GetFindingsV2 run exits 0"
is "$(jq -r .finding_info.uid out1 | sort)" "$(cat want)" \
    "every page: each GuardDuty OCSF finding once"
is "$(invalid)" "" "every request valid for the model, every signature good"
is "$(jq -r 'select(.Op == "GetFindingsV2") | .Body.SortCriteria[0].Field' \
    "$FAKE_LOG" | sort -u)" finding_info.modified_time_dt \
    "sorted on finding_info.modified_time_dt"
sh-findings --ocsf --region us-east-1 --state st.json >out2
is "$(wc -l <out2 | tr -d ' ')" 0 "a cursor run twice sees nothing new"
sh-findings --ocsf --region us-east-1 --since 30d -e >events
is "$(jq -r '."detail-type"' events | sort -u)" "Findings Imported V2" \
    "-e: Findings Imported V2 events"
is "$(sh-extract-ip <events | sort)" "$(sh-extract-ip <out1 | sort)" \
    "which sh-extract-ip reads as it reads the findings"
