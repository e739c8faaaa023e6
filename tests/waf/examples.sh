#!/bin/sh
# examples.sh: run the EXAMPLES of waf-sync(1), line by line as written,
# each example against the stand-in's sets as they start (the AWS CLI is
# pointed at it by a wrapper, since it does not read AWS_ENDPOINT_URL_WAFV2);
# and the IAM policy of share/examples/iam/waf.json and of the manual page
# names exactly the actions waf-sync calls.
. "$top_srcdir/tests/waf/fake.sh"
[ -x /usr/bin/aws ] || skip_all "the AWS CLI is not installed (apt-get install awscli)"
mkdir bin
printf '#!/bin/sh\nexec /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL_WAFV2" "$@"\n' > bin/aws
chmod +x bin/aws
PATH=$TMP/bin:$PATH

ips 203.0.113.20 203.0.113.21 > ips.jsonl
ips 198.51.100.7 2001:db8::7 > expired.jsonl
# the store an example lists
SECHUB_STORE=sqlite:$TMP/store.db
export SECHUB_STORE
ips 203.0.113.20 2001:db8::20 | ipstore add > /dev/null || exit 99
# one line per command, "--" between examples
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$top_srcdir/man/waf-sync.1" |
    awk '/^\.Bd/ { on = 1; next } /^\.Ed/ { on = 0; print "--" } on' > examples
grep -q . examples || { echo "Bail out! no examples found"; exit 1; }
plan $(($(grep -vc '^--$' examples) + 2 * $(grep -c '^--$' examples) + 3))
start_fake
while IFS= read -r line; do
	if [ "$line" = "--" ]; then
		is "$(invalid)" "" "the example's requests were valid and signed"
		is "$(jq -r 'select(.Error != null) | .Error' "$WAF_LOG")" "" \
		    "the example's requests all succeeded"
		fake_load "$top_srcdir/tests/waf/sets.json"
		: > "$WAF_LOG"
		continue
	fi
	sh -c "$line" > /dev/null 2> err < /dev/null
	ok "$?" "example: $line"
	[ -s err ] && sed 's/^/# /' err
done < examples

# the actions waf-sync calls, by name (ListIPSets), by ARN, in every mode
waf-sync --ip-set blocklist ips.jsonl > /dev/null 2>&1
waf-sync --ip-set "$V4_ARN" --remove ips.jsonl > /dev/null 2>&1
waf-sync --ip-set blocklist --replace -n expired.jsonl > /dev/null 2>&1
called=$(jq -r '"wafv2:" + .Op' "$WAF_LOG" | sort -u | tr '\n' ' ')
is "$called" "wafv2:GetIPSet wafv2:ListIPSets wafv2:UpdateIPSet " \
    "what waf-sync calls"
is "$(jq -r '.Statement[].Action[]' "$top_srcdir/share/examples/iam/waf.json" | sort | tr '\n' ' ')" \
    "$called" "share/examples/iam/waf.json allows exactly that"
is "$(sed -n '/^\.Ss IAM permissions/,/^\.Ed/p' "$top_srcdir/man/waf-sync.1" |
    grep -o '"wafv2:[A-Za-z]*"' | tr -d '"' | sort -u | tr '\n' ' ')" "$called" \
    "the manual page's policy too"
