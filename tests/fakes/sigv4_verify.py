#!/usr/bin/python3
"""sigv4_verify.py LOG SECRET: check every request in an aws_fake.py log
against botocore's own SigV4 signer (an independent implementation).

For each request: take the signed header names, the credential scope and
X-Amz-Date from what arrived, let botocore sign the same method, URL,
headers and body with SECRET, and compare signatures. Prints one line per
request, "match <signed headers>" or "differ ...", and exits 1 on any
difference.
"""
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

log, secret = sys.argv[1], sys.argv[2]
bad = 0
for line in open(log):
    r = json.loads(line)
    h = {k.lower(): v for k, v in r["headers"].items()}
    auth = h["authorization"]
    algo, rest = auth.split(" ", 1)
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    akid, date, region, service, _ = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    headers = {name: h[name] for name in signed}
    req = AWSRequest(method=r["method"],
                     url="http://%s%s" % (h["host"], r["path"]),
                     data=r["body"].encode(), headers=headers)
    req.context["timestamp"] = h["x-amz-date"]
    signer = SigV4Auth(Credentials(akid, secret, h.get("x-amz-security-token")),
                       service, region)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    want = signer.signature(sts, req)
    if want == parts["Signature"] and algo == "AWS4-HMAC-SHA256":
        print("match", parts["SignedHeaders"])
    else:
        bad = 1
        print("differ", parts["SignedHeaders"], parts["Signature"], want)
        print(creq.replace("\n", "\\n"))
sys.exit(bad)
