#!/bin/sh
# max-line.sh: a bound on a line, in every program that reads records.
# A line longer than --max-line (default 16 MiB) is one reject with its line
# number, never held whole: 320 MB of NUL bytes (a line that would need a
# 512 MB buffer) under an address-space limit of the program's own size
# plus 96 MB, then `cat /dev/zero |` that never ends; the reader goes on at
# the next line, and a --rejects file gets the long line byte for byte.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
export SECHUB_NOW=2026-01-05T00:00:00Z
cd "$TMP" || exit 99

# the program's messages: valgrind's own lines (its leak notes on a usage
# error's exit) are not the program's; memory errors show in the status
messages() {
	grep -v '^==[0-9]*==' "${1:-err}"
}

# address-space limits cannot hold a sanitizer's shadow memory or valgrind
bounded=1
case ${SECHUB_SANITIZERS:-} in *address*) bounded= ;; esac
[ -n "${SECHUB_VALGRIND:-}" ] && bounded=

GOOD='{"HostIp":"203.0.113.9","FindingId":"good-1"}'
FINDING='{"type":"Recon:EC2/PortProbeUnprotectedPort","id":"f1","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f1","region":"us-east-1","accountId":"123456789012","service":{"action":{"actionType":"NETWORK_CONNECTION","networkConnectionAction":{"connectionDirection":"INBOUND","remoteIpDetails":{"ipAddressV4":"203.0.113.9"}}}}}'
echo '{"HostIp":[{"exists":true}]}' >pattern.json
# ipstore rm removes what ipstore add put there
refill_rm_store() {
	printf '%s\n' "$GOOD" '{"HostIp":"203.0.113.8"}' |
	    ipstore -s "sqlite:$TMP/rm.db" add >/dev/null
}

# NAME|STATUS-WITH-A-REJECT|LINES-OUT-FOR-TWO-GOOD|GOOD-RECORD|COMMAND
# (nfw-sync and waf-sync print one plan whatever they read)
programs() {
	cat <<EOF2
sh-match|2|2|$GOOD|sh-match -p pattern.json
sh-extract-ip|1|2|$FINDING|sh-extract-ip
ipstore-add|1|2|$GOOD|ipstore -s sqlite:$TMP/add.db add
ipstore-rm|1|2|$GOOD|ipstore -s sqlite:$TMP/rm.db rm -
nfw-sync|1|1|$GOOD|nfw-sync -n --rule-group blocklist --describe-file $FIXTURES/nfw/group.json
waf-sync|1|1|$GOOD|waf-sync -n --get-file $FIXTURES/waf/get-ipv4.json
slack-notify|1|2|$GOOD|slack-notify -n --payloads payloads.jsonl
EOF2
}
plan $(($(programs | wc -l) * 9))

# the program's own address space, waiting for input (VmPeak, KB)
own_size() {
	rm -f fifo
	mkfifo fifo
	# shellcheck disable=SC2086
	$1 <fifo >/dev/null 2>&1 &
	_pid=$!
	exec 3>fifo
	_peak=0 _i=0
	while [ $_i -lt 100 ]; do
		_p=$(sed -n 's/^VmPeak:[[:space:]]*\([0-9]*\) kB/\1/p' \
		    /proc/$_pid/status 2>/dev/null)
		[ -n "$_p" ] && [ "$_p" -gt "$_peak" ] && _peak=$_p
		# the program itself (not the shell before exec), blocked
		# reading its input
		[ "$(cat /proc/$_pid/comm 2>/dev/null)" = "$2" ] &&
		    grep -q '^State:.*S (sleeping)' /proc/$_pid/status \
		    2>/dev/null && break
		sleep 0.05
		_i=$((_i + 1))
	done
	exec 3>&-
	wait $_pid 2>/dev/null
	echo "$_peak"
}

# run "$@" with stdin from the first argument's output, bounded
bounded_run() {
	_limit=$1
	shift
	if [ -n "$bounded" ]; then
		(ulimit -v "$_limit"; exec "$@")
	else
		"$@"
	fi
}

big=${SECHUB_VALGRIND:+48}
big=${big:-320}
programs | while IFS='|' read -r name want two good cmd; do
	prog=${cmd%% *}
	limit=unlimited
	[ -n "$bounded" ] && limit=$(($(own_size "$cmd" "$prog") + 96 * 1024))

	# 1. a huge line of NUL bytes, then a good record
	refill_rm_store
	st=0
	# shellcheck disable=SC2086
	{ head -c "${big}M" /dev/zero; echo; echo "$good"; } |
	    bounded_run "$limit" $cmd >out 2>err || st=$?
	is "$st" "$want" "$name: ${big} MB of NUL bytes: exit status (address space $limit KB)"
	is "$(messages)" "$prog: <stdin>:1: line longer than 16777216 bytes (--max-line)" \
	    "$name: one message with the line number, no 'out of memory'"
	is "$(wc -l <out)" 1 "$name: the reader goes on: the good record after it comes through"

	# 2. cat /dev/zero: a line that never ends; read on, in bounded memory
	# shellcheck disable=SC2086
	cat /dev/zero | bounded_run "$limit" $cmd >/dev/null 2>err &
	pid=$!
	sleep 0.1
	rpid=$(pgrep -n -P "$pid" 2>/dev/null || true)
	[ -n "$rpid" ] || rpid=$pid
	n=0 read_mb=0
	while [ $n -lt 300 ]; do
		r=$(sed -n 's/^rchar: //p' "/proc/$rpid/io" 2>/dev/null)
		[ -n "$r" ] || break
		read_mb=$((r / 1048576))
		[ "$read_mb" -ge 96 ] && break
		sleep 0.1
		n=$((n + 1))
	done
	alive=0
	kill -0 "$rpid" 2>/dev/null || alive=1
	kill "$rpid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ok "$([ "$alive" = 0 ] && [ "$read_mb" -ge 96 ] &&
	    ! grep -q 'out of memory' err; echo $?)" \
	    "$name: cat /dev/zero: still reading after $read_mb MB, no 'out of memory'"

	# 3. --max-line: a 3 MB line rejected byte for byte, a 900 KB one taken
	python3 -c '
import sys
good = sys.argv[1]
def blob(n, ip):
    return "{\"Blob\":\"" + "A" * n + "\"," + good[1:].replace(".9\"", ip)
sys.stdout.write(blob(3 << 20, ".7\"") + "\n" + blob(900 << 10, ".8\"") +
                 "\n" + good + "\n")
' "$good" >long.jsonl
	sed -n 1p long.jsonl >want-rejects
	rm -f rejects
	refill_rm_store
	st=0
	# shellcheck disable=SC2086
	$cmd --max-line 1M --rejects rejects <long.jsonl >out 2>err || st=$?
	is "$st:$(messages)" "$want:$prog: <stdin>:1: line longer than 1048576 bytes (--max-line)" \
	    "$name: --max-line 1M: a 3 MB line is rejected"
	ok "$(cmp -s rejects want-rejects; echo $?)" \
	    "$name: --rejects holds the long line byte for byte ($(wc -c <rejects) bytes)"
	is "$(wc -l <out):$(grep -c '203\.0\.113\.8' out)" "$two:1" \
	    "$name: a 900 KB line is taken, and the good one"
	st=0
	# shellcheck disable=SC2086
	$cmd --max-line 0 </dev/null >out 2>err || st=$?
	is "$st:$(messages)" "2:$prog: --max-line: 0: must be at least 1 byte" \
	    "$name: --max-line 0 is a usage error"
	st=0
	# shellcheck disable=SC2086
	$cmd --max-line 12MB </dev/null >out 2>err || st=$?
	is "$st:$(messages)" "2:$prog: --max-line: 12MB: not a size (bytes, or a number with K, M or G)" \
	    "$name: --max-line 12MB is a usage error"
done
