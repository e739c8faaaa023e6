#!/bin/sh
# examples.sh: the EXAMPLES of sechub(1), run as printed (each "$ " line of
# its literal blocks) against the stand-ins: what each one prints and its
# exit status are what the page says. The crontab line and `run --follow`
# (which never ends) are the only ones not run; follow mode is tested with
# sh-findings' own stand-in in tests/findings.
. "$top_srcdir/tests/sechub/sechub-lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
export FAKE_STS_KEYS="$AWS_ACCESS_KEY_ID=$AWS_SECRET_ACCESS_KEY"
start_fake sts sts
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$FAKE_PORT
ipstore init

awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
    on && /^\.Bd -literal/ { lit = 1; next }
    on && /^\.Ed/ { lit = 0; next }
    lit && /^\$ / { sub(/^\$ /, ""); print }' \
    "$top_srcdir/man/sechub.1" | grep -v -- '--follow' > "$TMP/examples"
n=$(wc -l < "$TMP/examples")
plan $((n + 4))
ok $(test "$n" -ge 6; echo $?) "sechub(1) has $n examples to run"

i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	(eval "$cmd") > "$TMP/out.$i" 2> "$TMP/err.$i"
	ok $? "example: $cmd"
done < "$TMP/examples"

# what the incident example left: blocked, then unblocked and forgotten
is "$(group_blocks):$(store_ips):$(pending_ips)" "::" \
    "block, status, unblock leave the group and the store as they were"
grep -q '"HostIp":"203.0.113.50"' "$TMP/out.1"
ok $? "the block example printed its record"
# (no webhook is configured here: doctor says so, as a warning)
is "$(grep -v '^ok ' "$TMP/out.$n" | cut -d: -f1)" "warn webhook" \
    "the doctor example: every check ok but the webhook nobody set up"
