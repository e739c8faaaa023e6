#!/bin/sh
# tests/store/forget.sh run against DynamoDB (dynalite).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
. "$top_srcdir/tests/ddb/ddb-lib.sh"
tmpdir
run_store_scenario forget
