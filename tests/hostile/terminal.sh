#!/bin/sh
# terminal.sh: messages cannot drive the terminal. Values from the data
# (HostIp strings, addresses a finding names, values --explain quotes, file
# names, arguments) carry ESC sequences, BEL, CR, backspace, DEL, C1
# controls as UTF-8 and as bare bytes; every message shows them escaped
# (vis(3) style, see sechub-tools(7) DIAGNOSTICS), and a long bad value is
# cut to 64 bytes and "..." in every message that quotes one.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tmpdir
export SECHUB_NOW=2026-01-05T00:00:00Z
cd "$TMP" || exit 99

# what an attacker puts in a finding field: a title change, a clear screen,
# a bell, a carriage return over the line, DEL, CSI as UTF-8 C1 and as a
# bare byte (invalid UTF-8, so only where the JSON is not decoded)
E='\u001b]0;owned\u0007\u001b[2J\r\b\u007f'
C1=$(printf '\302\233')
LONG=$(python3 -c 'print("9" * 1000)')
python3 - "$E" "$C1" "$LONG" <<'EOF2'
import sys
esc, c1, long = sys.argv[1], sys.argv[2], sys.argv[3]
finding = ('{"type":"Recon:EC2/PortProbeUnprotectedPort","id":"f1","arn":"a",'
           '"region":"us-east-1","accountId":"123456789012","service":'
           '{"action":{"actionType":"NETWORK_CONNECTION",'
           '"networkConnectionAction":{"connectionDirection":"INBOUND",'
           '"remoteIpDetails":{"ipAddressV4":"%s"}}}}}\n')
with open("ips.jsonl", "w") as f:
    f.write('{"HostIp":"203.0.113.1%s%s"}\n' % (esc, c1))
    f.write('{"HostIp":"%s"}\n' % long)
    f.write('{"HostIp":"\\u001b[31m%s"}\n' % long)
with open("findings.jsonl", "w") as f:
    f.write(finding % ("203.0.113.1" + esc + c1))
    f.write(finding % long)
with open("events.jsonl", "w") as f:
    f.write('{"detail":{"v":"%s%s\\u001b[5m"}}\n' % (c1, "\x7f"))
with open("pattern.json", "w") as f:
    f.write('{"detail":{"v":["x"]}}\n')
EOF2
bad_name=$(printf 'no\033[31msuch\007file\r')
bad_arg=$(printf '198.51.100.1\033[2J\302\233')

# NAME|STATUS|COMMAND
cases() {
	cat <<EOF2
sh-extract-ip|0|sh-extract-ip findings.jsonl
sh-extract-ip-file|3|sh-extract-ip '$bad_name'
sh-match-explain|1|sh-match --explain -p pattern.json events.jsonl
sh-match-file|2|sh-match -p pattern.json '$bad_name'
ipstore-add|1|ipstore -s sqlite:$TMP/s.db add ips.jsonl
ipstore-rm|1|ipstore -s sqlite:$TMP/s.db rm '$bad_arg'
nfw-sync|1|nfw-sync -n --rule-group blocklist --describe-file $FIXTURES/nfw/group.json ips.jsonl
waf-sync|1|waf-sync -n --get-file $FIXTURES/waf/get-ipv4.json ips.jsonl
slack-notify-file|3|slack-notify -n --payloads /dev/null '$bad_name'
EOF2
}
plan $(($(cases | wc -l) * 3))

cases >cases.list
while IFS='|' read -r name want cmd; do
	st=0
	eval "$cmd" >/dev/null 2>err || st=$?
	is "$st" "$want" "$name: exit status"
	# no control character but the newline ending each message, no DEL,
	# no C1 (as a byte or as UTF-8), nothing that is not UTF-8
	bad=$(python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read()
n = len(re.findall(rb"[\x00-\x09\x0b-\x1f\x7f]", data))
try:
    text = data.decode("utf-8")
    n += len(re.findall("[\x80-\x9f]", text))
except UnicodeDecodeError:
    n += 1000
lines = [l for l in data.split(b"\n") if l]
print("%d:%d" % (n, len(lines)))' err)
	ok "$(case $bad in 0:0) echo 1 ;; 0:*) echo 0 ;; *) echo 1 ;; esac)" \
	    "$name: its messages ($bad) hold no control character, DEL, C1 or bad byte"
	# a long bad value is cut to one length: 64 bytes of it and "..."
	over=$(python3 -c '
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
runs = [len(m) for m in re.findall("9{65,}", text)]
cut = len(re.findall("9+\\.\\.\\.", text))
print("%d long, %d cut" % (len(runs), cut))' err)
	case $name in
	ipstore-add|nfw-sync|waf-sync)
		# two long values in the input: both cut
		is "$over" "0 long, 2 cut" "$name: a long bad value is cut to 64 bytes and \"...\"" ;;
	sh-extract-ip)
		is "$over" "0 long, 1 cut" "$name: a long bad value is cut to 64 bytes and \"...\"" ;;
	*)
		is "$over" "0 long, 0 cut" "$name: no value past 64 bytes" ;;
	esac
done <cases.list
