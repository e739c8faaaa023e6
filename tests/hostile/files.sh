#!/bin/sh
# files.sh: files the programs create are theirs. --rejects (every program
# that reads records, and sh-findings), slack-notify's --payloads and
# --state are created mode 0600 whatever the umask, and a symbolic link
# planted in their place (say in a shared /tmp) is refused with a clear
# message and exit status 2, leaving its target untouched.
. "$top_srcdir/tests/lib.sh"
tmpdir
export SECHUB_NOW=2026-01-05T00:00:00Z
cd "$TMP" || exit 99

# the program's messages: valgrind's own lines (its leak notes on a usage
# error's exit) are not the program's; memory errors show in the status
messages() {
	grep -v '^==[0-9]*==' "${1:-err}"
}
umask 022

GOOD='{"HostIp":"203.0.113.9","FindingId":"good-1"}'
echo '{"HostIp":[{"exists":true}]}' >pattern.json
printf '%s\nnot json\n' "$GOOD" >in.jsonl

# NAME|OPTION|HOW THE MESSAGE NAMES IT|COMMAND (the option's file is
# appended to the command)
files() {
	cat <<EOF2
sh-match|--rejects|--rejects FILE|sh-match -p pattern.json
sh-extract-ip|--rejects|--rejects FILE|sh-extract-ip
ipstore add|--rejects|--rejects FILE|ipstore -s sqlite:$TMP/s.db add
ipstore rm|--rejects|--rejects FILE|ipstore -s sqlite:$TMP/s.db rm -
nfw-sync|--rejects|--rejects FILE|nfw-sync -n --rule-group blocklist --describe-file $FIXTURES/nfw/group.json
waf-sync|--rejects|--rejects FILE|waf-sync -n --get-file $FIXTURES/waf/get-ipv4.json
slack-notify|--rejects|--rejects FILE|slack-notify -n --payloads /dev/null
slack-notify|--payloads|--payloads: FILE|slack-notify -n
slack-notify|--state|--state: FILE|slack-notify -n --payloads /dev/null
sh-findings|--rejects|--rejects: FILE|env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=fake AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_MAX_ATTEMPTS=1 sh-findings --source sqs:http://127.0.0.1:1/123456789012/q --region us-east-1
EOF2
}
plan $(($(files | wc -l) * 3 + 1))

n=0
files >files.list
while IFS='|' read -r name opt named cmd; do
	n=$((n + 1))
	prog=${name%% *}
	f=file-$n
	# shellcheck disable=SC2086
	$cmd $opt "$f" <in.jsonl >/dev/null 2>&1
	is "$(stat -c %a "$f" 2>&1)" 600 "$name $opt: created mode 0600 under umask 022"

	echo 'keep me' >target-$n
	ln -s "target-$n" "link-$n"
	st=0
	# shellcheck disable=SC2086
	$cmd $opt "link-$n" <in.jsonl >/dev/null 2>err || st=$?
	# the message names the option and the file, and says why
	want="2:$prog: $(echo "$named" | sed "s/FILE/link-$n/"): is a symbolic link: refusing to follow it (name the file itself)"
	is "$st:$(messages)" "$want" "$name $opt: a symbolic link in its place is refused"
	is "$(cat "target-$n")" "keep me" "$name $opt: the link's target is untouched"
done <files.list
# the state's journal files are as private as the state
slack-notify -n --payloads /dev/null --state st.db <in.jsonl >/dev/null 2>&1
is "$(stat -c %a st.db st.db-wal st.db-shm 2>/dev/null | sort -u | tr '\n' ' ')" "600 " \
    "slack-notify --state: the database and its journal files are all 0600"
