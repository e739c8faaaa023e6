#!/bin/sh
# nfw-sync.sh: nfw-sync --dry-run against hostile input (see
# lib-hostile.sh), with the Network Firewall stand-in (tests/fakes/
# nfw_server.py) holding the rule group: every bad record and every
# almost-valid address is rejected with its own message, and only the good
# addresses are planned into the group.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hostile/lib-hostile.sh"
command -v nfw-sync >/dev/null 2>&1 || skip_all "nfw-sync not built"
[ -f "$top_srcdir/tests/fakes/nfw_server.py" ] ||
    skip_all "no Network Firewall stand-in (tests/fakes/nfw_server.py)"
/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
    skip_all "python3-botocore not installed"
tmpdir
hostile_inputs
plan $((12 * (HOSTILE_POINTS + 1)))

for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYHOSTILEKEY
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$SECRET \
    AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
port=$(free_port)
/usr/bin/python3 "$top_srcdir/tests/fakes/nfw_server.py" --port "$port" \
    --state "$FIXTURES/nfw/group.json" --log "$TMP/nfw.log" \
    --secret "$SECRET" 2>/dev/null &
at_exit "kill $! 2>/dev/null"
wait_port "$port" || exit 99
export AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:$port

# name status messages output-lines RSS-limit-MB blocks-added
while read -r name want rej good mb added; do
	hostile_run "$name" nfw-sync -n --rule-group blocklist \
	    --max-line "$HOSTILE_MAXLINE"
	hostile_check "$name" nfw-sync "$want" "$rej" "$good" "$mb"
	got=$(sed -n 's/.*"AddedBlocks":\(\[[^]]*\]\).*/\1/p' "$TMP/out")
	is "$got" "$added" "$name: only the good addresses are planned"
done <<EOF2
deep.jsonl 1 3 1 32 ["203.0.113.9/32"]
longline.jsonl 0 0 1 $((HOSTILE_BIGMB * 4 + 32)) ["203.0.113.7/32","203.0.113.9/32"]
longbad.jsonl 1 1 1 $((HOSTILE_BIGMB * 2 + 32)) ["203.0.113.9/32"]
nul.jsonl 1 4 1 32 ["203.0.113.2/32","203.0.113.9/32"]
nulkey.jsonl 1 1 1 32 ["203.0.113.9/32"]
utf8.jsonl 1 10 1 32 ["203.0.113.9/32"]
surrogates.jsonl 1 6 1 32 ["203.0.113.1/32","203.0.113.9/32"]
numbers.jsonl 1 3 1 32 ["203.0.113.1/32","203.0.113.9/32"]
random.bin 1 + 1 32 ["203.0.113.9/32"]
crlf.jsonl 0 0 1 32 ["203.0.113.1/32","203.0.113.9/32"]
noeol.jsonl 0 0 1 32 ["203.0.113.1/32","203.0.113.9/32"]
almost-ip.jsonl 1 28 1 32 ["203.0.113.9/32"]
EOF2
