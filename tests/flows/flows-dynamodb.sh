#!/bin/sh
# flows-dynamodb.sh: the three flows end to end with the DynamoDB store
# (dynalite).
FLOW_STORE=dynamodb
. "$top_srcdir/tests/flows/flows-lib.sh"
