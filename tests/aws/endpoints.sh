#!/bin/sh
# Endpoints: the real regional ones by default; AWS_ENDPOINT_URL,
# AWS_ENDPOINT_URL_<SERVICE>, a profile's services section and endpoint_url
# override them, in the SDKs' order.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/aws/aws-lib.sh"
tmpdir
aws_clean_env
plan 12
export AWS_REGION=eu-west-1

is "$(probe endpoint dynamodb)" "https://dynamodb.eu-west-1.amazonaws.com" \
    "DynamoDB: the regional endpoint"
is "$(probe endpoint network-firewall)" "https://network-firewall.eu-west-1.amazonaws.com" \
    "Network Firewall: the regional endpoint"
is "$(probe -r cn-north-1 endpoint dynamodb)" "https://dynamodb.cn-north-1.amazonaws.com.cn" \
    "China regions use amazonaws.com.cn"

cat > "$TMP/config" <<'EOF2'
[profile local]
services = local-stack
endpoint_url = http://127.0.0.1:1111
[services local-stack]
dynamodb =
  endpoint_url = http://127.0.0.1:2222
[profile global]
endpoint_url = http://127.0.0.1:3333
EOF2
is "$(probe -p local endpoint dynamodb)" "http://127.0.0.1:2222" \
    "a profile's services section names the service's endpoint"
is "$(probe -p local endpoint network-firewall)" "http://127.0.0.1:1111" \
    "the profile's endpoint_url covers the other services"
is "$(probe -p global endpoint dynamodb)" "http://127.0.0.1:3333" \
    "endpoint_url alone"
is "$(AWS_ENDPOINT_URL=http://127.0.0.1:4444 probe -p local endpoint dynamodb)" \
    "http://127.0.0.1:4444" "AWS_ENDPOINT_URL beats the profile"
is "$(AWS_ENDPOINT_URL=http://127.0.0.1:4444 AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5555 probe endpoint dynamodb)" \
    "http://127.0.0.1:5555" "AWS_ENDPOINT_URL_DYNAMODB beats AWS_ENDPOINT_URL"
is "$(AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5555 AWS_ENDPOINT_URL_NETWORK_FIREWALL=http://127.0.0.1:6666 probe endpoint network-firewall)" \
    "http://127.0.0.1:6666" "AWS_ENDPOINT_URL_NETWORK_FIREWALL, and only for its service"
is "$(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true AWS_ENDPOINT_URL=http://127.0.0.1:4444 probe -p local endpoint dynamodb)" \
    "https://dynamodb.eu-west-1.amazonaws.com" "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns them all off"
AWS_ENDPOINT_URL='http://user:pw@127.0.0.1:1/' probe endpoint dynamodb >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "2:awsprobe: endpoint http://user:pw@127.0.0.1:1/: malformed URL" \
    "credentials in an endpoint URL are refused"
AWS_ENDPOINT_URL='127.0.0.1:8000' probe endpoint dynamodb >/dev/null 2>"$TMP/err"
is "$?" 2 "an endpoint without a scheme is refused"
