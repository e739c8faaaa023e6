# ddb-lib.sh: DynamoDB stand-ins for the tests (source after tests/lib.sh
# and tests/aws/aws-lib.sh): dynalite from tests/node_modules (installed by
# scripts/install-deps test, pinned by tests/package-lock.json) and, where
# this machine has it, moto_server (for TTL, which dynalite lacks).

DYNALITE=$top_srcdir/tests/node_modules/dynalite/cli.js

need_dynalite() {
	command -v node >/dev/null 2>&1 ||
	    skip_all "node not installed (scripts/install-deps test)"
	[ -f "$DYNALITE" ] ||
	    skip_all "dynalite not installed: run scripts/install-deps test (npm ci in tests/)"
}

# Fake credentials and the region every DynamoDB test uses.
ddb_env() {
	aws_clean_env
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE
	AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
	AWS_REGION=us-east-1
	AWS_PAGER=
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_PAGER
}

# start_dynalite: dynalite on a free loopback port; sets DDB_PORT and
# points AWS_ENDPOINT_URL_DYNAMODB at it.
start_dynalite() {
	DDB_PORT=$(free_port)
	node "$DYNALITE" --host 127.0.0.1 --port "$DDB_PORT" \
	    --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 \
	    >"$TMP/dynalite.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_port "$DDB_PORT" 20 ||
	    { echo "Bail out! dynalite did not start"; exit 1; }
	AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DDB_PORT
	export AWS_ENDPOINT_URL_DYNAMODB
}

# start_ddb_relay: a logging relay (tests/ship/iam-relay.py) in front of
# the stand-in started last; sets DDB_RELAY_LOG (one "dynamodb:Operation"
# per line) and points AWS_ENDPOINT_URL_DYNAMODB at the relay.
start_ddb_relay() {
	_port=$(free_port)
	DDB_RELAY_LOG=$TMP/relay.log
	: > "$DDB_RELAY_LOG"
	python3 "$top_srcdir/tests/ship/iam-relay.py" "$_port" \
	    "$AWS_ENDPOINT_URL_DYNAMODB" "$DDB_RELAY_LOG" 2>"$TMP/relay.err" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$_port" ||
	    { echo "Bail out! the DynamoDB relay did not start"; exit 1; }
	AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$_port
	export AWS_ENDPOINT_URL_DYNAMODB DDB_RELAY_LOG
}

# ddb_writes_since N: the write operations in DDB_RELAY_LOG after line N,
# counted ("" when none)
ddb_writes_since() {
	sed -n "$(($1 + 1)),\$p" "$DDB_RELAY_LOG" | sed 's/^dynamodb://' |
	    grep -v -x -E 'DescribeTable|GetItem|BatchGetItem|Scan|Query|DescribeTimeToLive' |
	    sort | uniq -c | tr -s ' '
}

# start_moto: moto_server on a free loopback port, or skip_all.
start_moto() {
	command -v moto_server >/dev/null 2>&1 ||
	    skip_all "moto_server not installed (only needed for the TTL test)"
	DDB_PORT=$(free_port)
	moto_server -H 127.0.0.1 -p "$DDB_PORT" >"$TMP/moto.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_port "$DDB_PORT" 30 ||
	    { echo "Bail out! moto_server did not start"; exit 1; }
	AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DDB_PORT
	export AWS_ENDPOINT_URL_DYNAMODB
}

# ddb_cli ARGS...: the Debian AWS CLI (v2) against the stand-in. It
# predates AWS_ENDPOINT_URL, so the endpoint goes on the command line.
ddb_cli() {
	/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL_DYNAMODB" \
	    --output json dynamodb "$@"
}

# run_store_scenario NAME: tests/store/NAME.sh with the store under test
# being a table in a fresh dynalite (the scenario prints the TAP).
#
# Not under valgrind: CI's time goes to the SQLite run of the same scenario
# (tests/store/NAME.sh, which exercises the same store layer), while the
# DynamoDB backend's own code runs under valgrind in tests/ddb/store.sh,
# dry-run.sh, ttl.sh, crash.sh, concurrent.sh and wire.sh (and fuzz-ddb).
run_store_scenario() {
	[ -z "${SECHUB_VALGRIND:-}" ] || skip_all "under valgrind, tests/store/$1.sh runs on SQLite; the DynamoDB backend has its own valgrind tests"
	need_dynalite
	ddb_env
	start_dynalite
	STORE_URL=dynamodb:blocklist
	export STORE_URL
	SECHUB_STORE=$STORE_URL ipstore init 2>"$TMP/init.err" ||
	    { cat "$TMP/init.err" | sed 's/^/# /'; echo "Bail out! ipstore init failed"; exit 1; }
	sh "$top_srcdir/tests/store/$1.sh"
}
