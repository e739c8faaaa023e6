#!/bin/sh
# tests/store/dry-run.sh against DynamoDB (dynalite), through a logging
# relay (tests/ship/iam-relay.py): dynalite keeps no request log, and the
# relay's shows every call that reached the service, writes that would
# change nothing (a conditional update that fails, a put of the same item)
# included, which comparing scans of the table before and after would not.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
need_dynalite
ddb_env
start_dynalite
start_ddb_relay
STORE_URL=dynamodb:blocklist
export STORE_URL
SECHUB_STORE=$STORE_URL ipstore init 2>"$TMP/init.err" ||
    { sed 's/^/# /' "$TMP/init.err"; echo "Bail out! ipstore init failed"; exit 1; }
# the relay sees the calls: a write goes through it too
grep -q -x dynamodb:CreateTable "$DDB_RELAY_LOG" ||
    { echo "Bail out! the relay did not log CreateTable"; exit 1; }
sh "$top_srcdir/tests/store/dry-run.sh"
