#!/bin/sh
# s3-export.sh: findings exported by Firehose (or an EventBridge archive
# replay) to S3 as JSON lines, often gzipped and sometimes with the records
# glued together ("}{"): the readers of sechub-tools take concatenated JSON
# as well as JSON lines. Replays one day through every flow:
#
#   s3-export.sh s3://my-findings/securityhub/2026/01/05/ [sechub options]
set -eu
[ $# -ge 1 ] || { echo "usage: s3-export.sh S3-PREFIX [sechub options]" >&2; exit 2; }
prefix=$1
shift

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sechub-s3.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
aws s3 cp --recursive --quiet "$prefix" "$tmp/export/"
find "$tmp/export" -type f -exec gzip -dcf {} + > "$tmp/events.jsonl"
exec sechub "$@" run all "$tmp/events.jsonl"
