#!/usr/bin/python3
"""sigv4_verify.py LOG SECRET: check every request in an aws_fake.py log
against botocore's own SigV4 signer (an independent implementation).

For each request: take the signed header names, the credential scope and
X-Amz-Date from what arrived, let botocore sign the same method, URL,
headers and body with SECRET, and compare signatures. Prints one line per
request, "match <signed headers>" or "differ ...", and exits 1 on any
difference.

Stand-ins import it too: verify(record, secret) -> (ok, signed, mine,
want, canonical request), credential(record) -> the access key id or
None.
"""
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def authorization(record):
    """The parts of a record's Authorization header, or None."""
    h = {k.lower(): v for k, v in record["headers"].items()}
    auth = h.get("authorization")
    if not auth or " " not in auth:
        return None, h
    algo, rest = auth.split(" ", 1)
    try:
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    except ValueError:
        return None, h
    parts["algorithm"] = algo
    return parts, h


def credential(record):
    """The access key id a request was signed with, or None."""
    parts, _ = authorization(record)
    if parts is None or "Credential" not in parts:
        return None
    return parts["Credential"].split("/")[0]


def verify(record, secret):
    parts, h = authorization(record)
    if parts is None:
        return False, "", "", "", "no Authorization"
    akid, _, region, service, _ = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    headers = {name: h.get(name, "") for name in signed}
    req = AWSRequest(method=record["method"],
                     url="http://%s%s" % (h["host"], record["path"]),
                     data=record["body"].encode(), headers=headers)
    req.context["timestamp"] = h.get("x-amz-date", "")
    signer = SigV4Auth(Credentials(akid, secret,
                                   h.get("x-amz-security-token")),
                       service, region)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    want = signer.signature(sts, req)
    ok = want == parts["Signature"] and \
        parts["algorithm"] == "AWS4-HMAC-SHA256"
    return ok, parts["SignedHeaders"], parts["Signature"], want, creq


def main():
    log, secret = sys.argv[1], sys.argv[2]
    bad = 0
    for line in open(log):
        ok, signed, mine, want, creq = verify(json.loads(line), secret)
        if ok:
            print("match", signed)
        else:
            bad = 1
            print("differ", signed, mine, want)
            print(creq.replace("\n", "\\n"))
    return bad


if __name__ == "__main__":
    sys.exit(main())
