#!/usr/bin/python3
"""Send one request to the Network Firewall stand-in, signed by botocore's
own SigV4 signer (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
and AWS_SESSION_TOKEN, for the region AWS_REGION, default us-east-1), and
print "STATUS ERROR-TYPE" ("200 -" on success). Tests only.

usage: nfw_send.py URL OPERATION FILE [--unsigned]
"""
import json
import os
import sys
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    url, op, path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path, "rb") as f:
        body = f.read()
    headers = {"Content-Type": "application/x-amz-json-1.0",
               "X-Amz-Target": "NetworkFirewall_20201112." + op}
    req = AWSRequest(method="POST", url=url + "/", data=body,
                     headers=headers)
    if "--unsigned" not in sys.argv:
        creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"],
                            os.environ["AWS_SECRET_ACCESS_KEY"],
                            os.environ.get("AWS_SESSION_TOKEN") or None)
        SigV4Auth(creds, "network-firewall",
                  os.environ.get("AWS_REGION", "us-east-1")).add_auth(req)
    r = urllib.request.Request(url + "/", data=body, method="POST",
                               headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            print("%d -" % resp.status)
    except urllib.error.HTTPError as e:
        print("%d %s" % (e.code, json.loads(e.read()).get("__type")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
