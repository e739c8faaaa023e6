# aws-lib.sh: helpers for the AWS scenarios (source after tests/lib.sh).
# A clean AWS environment in $TMP, the awsprobe driver, local stand-ins.

# Nothing from the user's environment or ~/.aws, and never the real
# instance metadata address.
aws_clean_env() {
	for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	HOME=$TMP
	AWS_CONFIG_FILE=$TMP/config
	AWS_SHARED_CREDENTIALS_FILE=$TMP/credentials
	AWS_EC2_METADATA_DISABLED=true
	export HOME AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
	    AWS_EC2_METADATA_DISABLED
}

probe() {
	# shellcheck disable=SC2086
	$SECHUB_VALGRIND "$top_builddir/tests/aws/awsprobe" "$@"
}

# start_fake NAME MODE [ARGS...]: run tests/fakes/aws_fake.py on a free
# port; sets FAKE_PORT; requests are logged to $TMP/NAME.log.
start_fake() {
	_name=$1
	shift
	FAKE_PORT=$(free_port)
	: > "$TMP/$_name.log"
	/usr/bin/python3 "$top_srcdir/tests/fakes/aws_fake.py" "$FAKE_PORT" \
	    "$TMP/$_name.log" "$@" 2>"$TMP/$_name.err" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$FAKE_PORT" || { echo "Bail out! $_name did not start"; exit 1; }
}

# count_requests NAME: how many requests the stand-in NAME received
count_requests() { wc -l < "$TMP/$1.log" | tr -d ' '; }
