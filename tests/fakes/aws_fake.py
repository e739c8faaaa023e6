#!/usr/bin/env python3
"""aws_fake.py: local stand-ins for AWS endpoints, for tests only.

    aws_fake.py PORT LOG script FILE   answer from FILE, a JSON list of
                                       {"status", "body", "headers", "close",
                                       "sleep"} in turn (the last repeats)
    aws_fake.py PORT LOG sts           STS AssumeRole,
                                       AssumeRoleWithWebIdentity and
                                       GetCallerIdentity (XML), every
                                       request checked against the sts
                                       model of python3-botocore (run it
                                       with /usr/bin/python3)
    aws_fake.py PORT LOG metadata [v1] EC2 IMDSv2 (IMDSv1 only with "v1")
                                       and container credentials at
                                       /container/creds (Authorization must
                                       equal $FAKE_CONTAINER_AUTH if set)

Every request is appended to LOG as one JSON line: method, path, headers,
body. Binds 127.0.0.1:PORT only; speaks TLS when $FAKE_TLS_CERT and
$FAKE_TLS_KEY name a certificate and its key.

The sts mode remembers the credentials it issued (access key ASIA<ROLE>,
secret "<ROLE>-secret&FAKE", a new session token each time) and checks the
signature of every request signed with one of them, or with a key of
$FAKE_STS_KEYS ("AKID=SECRET,AKID=SECRET"): a wrong signature is
SignatureDoesNotMatch, an issued token past its expiry ExpiredToken.
$FAKE_STS_EXPIRES_IN sets the lifetime of issued credentials in seconds
(default 3600). GetCallerIdentity answers for the signing key: the
assumed role's ARN, or arn:aws:iam::$FAKE_STS_ACCOUNT:user/<AKID>.
"""
import datetime
import http.server
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PORT, LOG, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ARGS = sys.argv[4:]
STATE = {"n": 0, "issued": {}}
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

    def sts_error(self, status, code, message):
        self.reply(status, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/"
                   "doc/2011-06-15/\"><Error><Type>Sender</Type><Code>%s"
                   "</Code><Message>%s</Message></Error><RequestId>r-1"
                   "</RequestId></ErrorResponse>" % (code, message),
                   ctype="text/xml")

    def sts_signer(self, record):
        """None if the request's signature holds, else an error triple."""
        import sigv4_verify
        akid = sigv4_verify.credential(record)
        if akid is None:
            return None
        known = dict(kv.split("=", 1) for kv in
                     os.environ.get("FAKE_STS_KEYS", "").split(",") if kv)
        issued = STATE["issued"].get(akid)
        if issued:
            token = self.headers.get("X-Amz-Security-Token")
            if token not in issued["tokens"]:
                return (403, "InvalidClientTokenId",
                        "The security token included in the request is "
                        "invalid")
            if issued["tokens"][token] < time.time():
                return (400, "ExpiredToken",
                        "The security token included in the request is "
                        "expired")
            secret = issued["secret"]
        elif akid in known:
            secret = known[akid]
        else:
            return None
        if not sigv4_verify.verify(record, secret)[0]:
            return (403, "SignatureDoesNotMatch", "The request signature "
                    "we calculated does not match the signature you "
                    "provided")
        return None

    def sts_identity(self, akid):
        issued = STATE["issued"].get(akid)
        if issued:
            role = issued["role"]
            account = role.split(":")[4]
            name = role.rsplit("/", 1)[-1]
            return ("arn:aws:sts::%s:assumed-role/%s/%s"
                    % (account, name, issued["session"]),
                    "AROA%s:%s" % (akid[4:], issued["session"]), account)
        account = os.environ.get("FAKE_STS_ACCOUNT", "123456789012")
        return ("arn:aws:iam::%s:user/%s" % (account, akid),
                "AIDA%s" % akid, account)

    def mode_sts(self, body):
        import sts_model
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        action, role = form.get("Action"), form.get("RoleArn", "")
        record = {"method": self.command, "path": self.path,
                  "headers": dict(self.headers.items()), "body": body}
        signed = self.headers.get("Authorization", "").startswith(
            "AWS4-HMAC-SHA256 Credential=")
        err = None
        if form.get("Version") != "2011-06-15":
            err = (400, "InvalidAction", "bad version")
        elif action not in ("AssumeRole", "AssumeRoleWithWebIdentity",
                            "GetCallerIdentity"):
            err = (400, "InvalidAction", "unknown action")
        elif sts_model.problems(action, form):
            err = (400, "ValidationError",
                   "; ".join(sts_model.problems(action, form)))
        elif action != "AssumeRoleWithWebIdentity" and not signed:
            err = (403, "MissingAuthenticationToken", "not signed")
        elif action == "AssumeRoleWithWebIdentity" and \
                not form.get("WebIdentityToken"):
            err = (400, "InvalidIdentityToken", "no token")
        elif signed:
            err = self.sts_signer(record)
        if err is None and "denied" in role:
            err = (403, "AccessDenied",
                   "User is not authorized to perform: sts:AssumeRole")
        if err:
            self.sts_error(*err)
            return
        if action == "GetCallerIdentity":
            import sigv4_verify
            arn, user, account = self.sts_identity(
                sigv4_verify.credential(record))
            self.reply(200, "<GetCallerIdentityResponse xmlns=\"https://"
                       "sts.amazonaws.com/doc/2011-06-15/\">"
                       "<GetCallerIdentityResult><Arn>%s</Arn><UserId>%s"
                       "</UserId><Account>%s</Account>"
                       "</GetCallerIdentityResult><ResponseMetadata>"
                       "<RequestId>r-2</RequestId></ResponseMetadata>"
                       "</GetCallerIdentityResponse>" % (arn, user, account),
                       ctype="text/xml")
            return
        who = role.rsplit("/", 1)[-1].upper().replace("-", "")
        lifetime = int(os.environ.get("FAKE_STS_EXPIRES_IN", "3600"))
        akid = "ASIA" + who
        issued = STATE["issued"].setdefault(akid, {"tokens": {}})
        issued.update(secret=who + "-secret&FAKE", role=role,
                      session=form.get("RoleSessionName", ""))
        STATE["n"] += 1
        token = "%s-token-%d-FAKE" % (who, STATE["n"])
        issued["tokens"][token] = time.time() + lifetime
        self.reply(200, "<{a}Response xmlns=\"https://sts.amazonaws.com/"
                   "doc/2011-06-15/\"><{a}Result><Credentials>"
                   "<AccessKeyId>{k}</AccessKeyId>"
                   "<SecretAccessKey>{w}-secret&amp;FAKE</SecretAccessKey>"
                   "<SessionToken>{t}</SessionToken>"
                   "<Expiration>{e}</Expiration></Credentials>"
                   "<AssumedRoleUser><Arn>{r}</Arn></AssumedRoleUser>"
                   "</{a}Result></{a}Response>".format(
                       a=action, k=akid, w=who, t=token,
                       e=expiration(lifetime), r=role),
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
