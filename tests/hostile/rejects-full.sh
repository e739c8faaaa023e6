#!/bin/sh
# rejects-full.sh: a rejects file on a full disk is one message with the
# count of records it lost, and exit status 3 (sh-match: 2), in every
# program that reads records (the rejects file lives in lib/input.c):
# /dev/full, and a small tmpfs filled up where one can be mounted. The good
# records still go through.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
export SECHUB_NOW=2026-01-05T00:00:00Z
cd "$TMP" || exit 99

GOOD='{"HostIp":"203.0.113.9","FindingId":"good-1"}'
FINDING='{"type":"Recon:EC2/PortProbeUnprotectedPort","id":"f1","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f1","region":"us-east-1","accountId":"123456789012","service":{"action":{"actionType":"NETWORK_CONNECTION","networkConnectionAction":{"connectionDirection":"INBOUND","remoteIpDetails":{"ipAddressV4":"203.0.113.9"}}}}}'
echo '{"HostIp":[{"exists":true}]}' >pattern.json

# NAME|STATUS|GOOD-RECORD|COMMAND (sh-match: grep's 2 for any trouble)
programs() {
	cat <<EOF2
sh-match|2|$GOOD|sh-match -p pattern.json
sh-extract-ip|3|$FINDING|sh-extract-ip
ipstore|3|$GOOD|ipstore -s sqlite:$TMP/s.db add
nfw-sync|3|$GOOD|nfw-sync -n --rule-group blocklist --describe-file $FIXTURES/nfw/group.json
waf-sync|3|$GOOD|waf-sync -n --get-file $FIXTURES/waf/get-ipv4.json
slack-notify|3|$GOOD|slack-notify -n --payloads payloads.jsonl
EOF2
}
plan $(($(programs | wc -l) * 2 * 3))

# 1,216 malformed records (as many as the report counted), then a good one
mkinput() {
	python3 -c '
import sys
for i in range(1216):
    print("{\"HostIp\": not json %d" % i)
print(sys.argv[1])' "$1" >in.jsonl
}

mounted=
mkdir mnt
if mount -t tmpfs -o size=64k tmpfs mnt 2>/dev/null; then
	mounted=1
	at_exit "umount '$TMP/mnt' 2>/dev/null"
fi

programs | while IFS='|' read -r name want good cmd; do
	mkinput "$good"
	for where in /dev/full tmpfs; do
		if [ "$where" = tmpfs ]; then
			if [ -z "$mounted" ]; then
				for k in 1 2 3; do
					_tap_n=$((_tap_n + 1))
					echo "ok $_tap_n # SKIP cannot mount a tmpfs here"
				done
				continue
			fi
			rm -f mnt/*
			# fill it up, leaving no room for a record
			head -c 1M /dev/zero >mnt/fill 2>/dev/null
			rejects=mnt/rejects
		else
			rejects=/dev/full
		fi
		st=0
		# shellcheck disable=SC2086
		$cmd --rejects "$rejects" <in.jsonl >out 2>err || st=$?
		is "$st" "$want" "$name: --rejects on $where: exit status $want"
		n=$(grep -c -v "^$name: <stdin>:[0-9]*: invalid JSON" err)
		msg=$(grep -v "^$name: <stdin>:[0-9]*: invalid JSON" err)
		is "$n:$msg" "1:$name: $rejects: 1216 rejected records not kept: No space left on device" \
		    "$name: --rejects on $where: one message about it, with the count"
		is "$(wc -l <out)" 1 "$name: --rejects on $where: the good record still goes through"
	done
done
