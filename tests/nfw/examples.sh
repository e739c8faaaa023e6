#!/bin/sh
# examples.sh: run the EXAMPLES of nfw-sync(1), line by line as written,
# each example against a fresh stand-in (the AWS CLI is pointed at it by a
# wrapper, since it does not read AWS_ENDPOINT_URL_NETWORK_FIREWALL).
. "$top_srcdir/tests/nfw/fake.sh"
[ -x /usr/bin/aws ] || skip_all "the AWS CLI is not installed (apt-get install awscli)"
mkdir bin
printf '#!/bin/sh\nexec /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL_NETWORK_FIREWALL" "$@"\n' > bin/aws
chmod +x bin/aws
PATH=$TMP/bin:$PATH

ips 203.0.113.20 203.0.113.21 > ips.jsonl
ips 198.51.100.7 > expired.jsonl
# one line per command, "--" between examples
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$top_srcdir/man/nfw-sync.1" |
    awk '/^\.Bd/ { on = 1; next } /^\.Ed/ { on = 0; print "--" } on' > examples
grep -q . examples || { echo "Bail out! no examples found"; exit 1; }
plan $(($(grep -vc '^--$' examples) + $(grep -c '^--$' examples)))
start_fake
while IFS= read -r line; do
	if [ "$line" = "--" ]; then
		is "$(invalid)" "" "the example's requests were valid and signed"
		kill "$NFW_PID"
		start_fake
		continue
	fi
	sh -c "$line" > /dev/null 2> err < /dev/null
	ok "$?" "example: $line"
	[ -s err ] && sed 's/^/# /' err
done < examples
