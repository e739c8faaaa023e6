#!/usr/bin/env python3
"""aws_fake.py: local stand-ins for AWS endpoints, for tests only.

    aws_fake.py PORT LOG script FILE   answer from FILE, a JSON list of
                                       {"status", "body", "headers", "close",
                                       "sleep"} in turn (the last repeats)
    aws_fake.py PORT LOG sts           STS AssumeRole and
                                       AssumeRoleWithWebIdentity (XML)
    aws_fake.py PORT LOG metadata [v1] EC2 IMDSv2 (IMDSv1 only with "v1")
                                       and container credentials at
                                       /container/creds (Authorization must
                                       equal $FAKE_CONTAINER_AUTH if set)

Every request is appended to LOG as one JSON line: method, path, headers,
body. Binds 127.0.0.1:PORT only; speaks TLS when $FAKE_TLS_CERT and
$FAKE_TLS_KEY name a certificate and its key.
"""
import datetime
import http.server
import json
import os
import sys
import time
import urllib.parse

PORT, LOG, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ARGS = sys.argv[4:]
STATE = {"n": 0}
IMDS_TOKEN = "imds-token-0123"


def expiration(seconds=3600):
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def creds_json(prefix, token_key="Token"):
    return json.dumps({"Code": "Success", "Type": "AWS-HMAC",
                       "AccessKeyId": prefix + "AKIDFAKE",
                       "SecretAccessKey": prefix + "-secret-FAKE",
                       token_key: prefix + "-token-FAKE",
                       "Expiration": expiration()})


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        with open(LOG, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "headers": dict(self.headers.items()),
                                "body": body}) + "\n")
        getattr(self, "mode_" + MODE)(body)

    do_GET = do_POST = do_PUT = handle_any

    def mode_script(self, body):
        with open(ARGS[0]) as f:
            text = f.read()
        if text != STATE.get("script"):     # a new script: from the top
            STATE["script"], STATE["n"] = text, 0
        answers = json.loads(text)
        a = answers[min(STATE["n"], len(answers) - 1)]
        STATE["n"] += 1
        if a.get("sleep"):
            time.sleep(a["sleep"])
        if a.get("close"):
            self.close_connection = True
            return
        self.reply(a.get("status", 200), a.get("body", ""),
                   a.get("headers"),
                   a.get("content_type", "application/x-amz-json-1.0"))

    def mode_sts(self, body):
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        action, role = form.get("Action"), form.get("RoleArn", "")
        err = None
        if form.get("Version") != "2011-06-15":
            err = (400, "InvalidAction", "bad version")
        elif action == "AssumeRole" and \
                not self.headers.get("Authorization", "").startswith(
                    "AWS4-HMAC-SHA256 Credential="):
            err = (403, "MissingAuthenticationToken", "not signed")
        elif action == "AssumeRoleWithWebIdentity" and \
                not form.get("WebIdentityToken"):
            err = (400, "InvalidIdentityToken", "no token")
        elif action not in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            err = (400, "InvalidAction", "unknown action")
        elif "denied" in role:
            err = (403, "AccessDenied",
                   "User is not authorized to perform: sts:AssumeRole")
        if err:
            self.reply(err[0], "<ErrorResponse xmlns=\"https://sts."
                       "amazonaws.com/doc/2011-06-15/\"><Error><Type>"
                       "Sender</Type><Code>%s</Code><Message>%s</Message>"
                       "</Error><RequestId>r-1</RequestId></ErrorResponse>"
                       % (err[1], err[2]), ctype="text/xml")
            return
        who = role.rsplit("/", 1)[-1].upper().replace("-", "")
        self.reply(200, "<{a}Response xmlns=\"https://sts.amazonaws.com/"
                   "doc/2011-06-15/\"><{a}Result><Credentials>"
                   "<AccessKeyId>ASIA{w}</AccessKeyId>"
                   "<SecretAccessKey>{w}-secret&amp;FAKE</SecretAccessKey>"
                   "<SessionToken>{w}-token-FAKE</SessionToken>"
                   "<Expiration>{e}</Expiration></Credentials>"
                   "<AssumedRoleUser><Arn>{r}</Arn></AssumedRoleUser>"
                   "</{a}Result></{a}Response>".format(
                       a=action, w=who, e=expiration(), r=role),
                   ctype="text/xml")

    def mode_metadata(self, body):
        v1 = "v1" in ARGS
        if self.path == "/container/creds":
            want = os.environ.get("FAKE_CONTAINER_AUTH")
            if want and self.headers.get("Authorization") != want:
                self.reply(401, '{"message":"unauthorized"}')
                return
            self.reply(200, creds_json("CONTAINER"))
            return
        if self.path == "/latest/api/token" and self.command == "PUT":
            if v1:
                self.reply(403, "", ctype="text/plain")
            elif not self.headers.get(
                    "x-aws-ec2-metadata-token-ttl-seconds"):
                self.reply(400, "", ctype="text/plain")
            else:
                self.reply(200, IMDS_TOKEN, ctype="text/plain")
            return
        if not v1 and \
                self.headers.get("x-aws-ec2-metadata-token") != IMDS_TOKEN:
            self.reply(401, "", ctype="text/plain")
            return
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            self.reply(200, "test-role", ctype="text/plain")
        elif self.path == base + "test-role":
            self.reply(200, creds_json("IMDS"))
        else:
            self.reply(404, "", ctype="text/plain")


server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
if os.environ.get("FAKE_TLS_CERT"):
    import ssl
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.environ["FAKE_TLS_CERT"],
                        os.environ["FAKE_TLS_KEY"])
    server.socket = tls.wrap_socket(server.socket, server_side=True)
server.serve_forever()
