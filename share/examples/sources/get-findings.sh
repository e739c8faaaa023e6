#!/bin/sh
# get-findings.sh: during an incident, from a laptop: the active GuardDuty
# findings Security Hub received in the last HOURS hours (default 24), as
# the one document `aws securityhub get-findings` prints (the CLI follows
# every page itself). sh-extract-ip reads that document as it is:
#
#   sh share/examples/sources/get-findings.sh 6 | sh-extract-ip | ipstore add \
#       | nfw-sync --rule-group blocklist | slack-notify
set -eu
hours=${1:-24}
since=$(date -u -d "-$hours hours" +%Y-%m-%dT%H:%M:%SZ)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
exec aws securityhub get-findings --output json --filters "{
  \"ProductName\":   [{\"Value\": \"GuardDuty\", \"Comparison\": \"EQUALS\"}],
  \"RecordState\":   [{\"Value\": \"ACTIVE\", \"Comparison\": \"EQUALS\"}],
  \"UpdatedAt\":     [{\"Start\": \"$since\", \"End\": \"$now\"}]
}"
