#!/usr/bin/python3
"""A local stand-in for AWS WAF (wafv2) IP sets, for tests only.

Keeps several IP sets (REGIONAL ones per region, CLOUDFRONT ones in
us-east-1); answers ListIPSets, GetIPSet and UpdateIPSet over awsJson1_1.
Validates every request against the wafv2 service model of python3-botocore
(botocore's ParamValidator, then required and unknown members, types, min,
max, pattern and enum along the shapes) and what the service checks beyond
it: CIDR blocks of the set's version, no /0, the limit of addresses per set
(WAFLimitsExceededException past it). Rotates the LockToken on every change
and answers WAFOptimisticLockException to a stale one. Checks that each
request is signed (SigV4) for service wafv2 and the right region: a
REGIONAL call sees the sets of the region it is signed for, a CLOUDFRONT
call must be signed for us-east-1; with --secret, botocore's signer checks
the signature itself (sigv4_verify.py).

Accounts, as the Network Firewall stand-in has them (its Keys): each set
belongs to the account of its ARN (default 111122223333). --keys
"AKID=SECRET,..." are keys of that default account; --role ARN
(repeatable) is a role the STS stand-in of aws_fake.py issues keys for
(ASIA<NAME>, secret "<NAME>-secret&FAKE", a session token that must be
signed), belonging to the role's account. A call sees only the sets of
the account its key belongs to; with --keys or --role a key not known is
refused (UnrecognizedClientException). The log holds each request as
sigv4_verify.py reads it (method, path, headers, body), plus what the
stand-in made of it.

Faults (throttling, 5xx, any error) for an operation, a rival writer that
changes a set between a client's GetIPSet and its UpdateIPSet, a barrier
that holds GetIPSet answers until several clients have asked, other sets
("load": a state file's content), "limit" and "page_size" are set with
POST /_control; GET /_state shows every set.

usage: waf_server.py --port N|--port-file FILE --state FILE --log FILE
                     [--secret KEY] [--keys AKID=SECRET,...] [--role ARN]...
                     [--limit N] [--page-size N]
       (--port-file: bind a port the system picks and write its number to
       FILE once listening, so that two stand-ins never race for one port)
       waf_server.py --validate OPERATION FILE   -> "valid", exit 0, or
                                                    the problems, exit 1
       waf_server.py --send URL LIST
           -> for each line of LIST, "OPERATION FILE [--sign-service S]
              [--sign-region R] [--secret KEY] [--unsigned]
              [--content-type T]", one request, signed by botocore with
              $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY (or KEY) for
              wafv2 in us-east-1 unless told; prints "STATUS ERROR-TYPE"
              ("200 -" on success) a line
"""
import argparse
import copy
import ipaddress
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402
import nfw_server  # noqa: E402  (its model walk and its barrier)
import sigv4_verify  # noqa: E402
from nfw_server import check_shape  # noqa: E402

TARGET_PREFIX = "AWSWAF_20190729."
CONTENT_TYPE = "application/x-amz-json-1.1"
CLOUDFRONT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "111122223333"
OPERATIONS = ("ListIPSets", "GetIPSet", "UpdateIPSet")

MODEL = botocore.session.get_session().get_service_model("wafv2")


class Refused(Exception):
    def __init__(self, status, kind, message):
        Exception.__init__(self, message)
        self.status, self.kind, self.message = status, kind, message


def model_problems(op, body):
    """What botocore's validator and the walk along the shapes find."""
    shape = MODEL.operation_model(op).input_shape
    problems = []
    report = ParamValidator().validate(body, shape)
    if report.has_errors():
        problems.append(report.generate_report())
    check_shape(body, shape, op, problems)
    return problems


def address_problems(addresses, version):
    """What the service refuses in Addresses: not a CIDR block (host bits
    set, a bare address), another version than the set's, a /0, one block
    twice. version None: whichever the first block has."""
    problems, seen = [], set()
    for i, a in enumerate(addresses):
        if not isinstance(a, str):
            continue    # the model check says so
        try:
            net = ipaddress.ip_network(a, strict=True)
        except ValueError:
            problems.append("Addresses[%d]: %r is not a CIDR block" % (i, a))
            continue
        if "/" not in a:
            problems.append("Addresses[%d]: %r has no prefix length"
                            % (i, a))
        if version is None:
            version = "IPV%d" % net.version
        if "IPV%d" % net.version != version:
            problems.append("Addresses[%d]: %s in an %s set"
                            % (i, a, version))
        if net.prefixlen == 0:
            problems.append("Addresses[%d]: /0 is not accepted" % i)
        if net in seen:
            problems.append("Addresses[%d]: %s twice" % (i, a))
        seen.add(net)
    return problems


def signature_problem(handler):
    """The credential scope's service and region, and what must be signed.
    Returns (region, None) or (None, Refused)."""
    auth = handler.headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                 r"([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?"
                 r"Signature=([0-9a-f]{64})$", auth)
    if not m:
        return None, Refused(403, "MissingAuthenticationTokenException",
                             "missing or malformed Authorization")
    _, day, region, service, signed, _ = m.groups()
    if service != "wafv2":
        return None, Refused(403, "InvalidSignatureException",
                             "credential scope names service %s, not "
                             "wafv2" % service)
    if not handler.headers.get("X-Amz-Date", "").startswith(day):
        return None, Refused(403, "InvalidSignatureException",
                             "X-Amz-Date does not match the credential "
                             "scope")
    for need in ("host", "x-amz-date", "x-amz-target", "content-type"):
        if need not in signed.split(";"):
            return None, Refused(403, "InvalidSignatureException",
                                 "%s is not signed" % need)
    return region, None


class State:
    def __init__(self, path, log, limit, page_size, keys):
        with open(path) as f:
            self.load(json.load(f))
        self.limit, self.page_size, self.keys = limit, page_size, keys
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.log = open(log, "a")
        self.faults = []        # [{"op", "status", "type", "times", "skip"}]
        self.rivals = []        # [{"name", "add", "remove", "times"}]
        self.barrier = None     # {"op", "count"}
        self.arrived = 0

    def load(self, state):
        """The IP sets of a state file's content."""
        self.sets = copy.deepcopy(state["IPSets"])
        for s in self.sets:
            s.setdefault("Scope", "REGIONAL")
            s.setdefault("Region", CLOUDFRONT_REGION)
            s.setdefault("Id", str(uuid.uuid4()))
            s["LockToken"] = s.get("LockToken") or str(uuid.uuid4())
            if s["Scope"] == "CLOUDFRONT":
                s["Region"] = CLOUDFRONT_REGION
            s.setdefault("ARN", "arn:aws:wafv2:%s:%s:%s/ipset/"
                         "%s/%s" % (s["Region"], DEFAULT_ACCOUNT, "global"
                                    if s["Scope"] == "CLOUDFRONT" else
                                    "regional", s["Name"], s["Id"]))
            s.setdefault("Account", s["ARN"].split(":")[4])

    def visible(self, body, region, account):
        """The sets a call of this scope, signed for region by a key of
        account, sees."""
        scope = body["Scope"]
        if scope == "CLOUDFRONT" and region != CLOUDFRONT_REGION:
            raise Refused(400, "WAFInvalidOperationException",
                          "scope CLOUDFRONT is only in us-east-1, not %s"
                          % region)
        return [s for s in self.sets
                if s["Scope"] == scope and s["Region"] == region and
                s["Account"] == account]

    def find(self, body, region, account):
        for s in self.visible(body, region, account):
            if s["Name"] == body["Name"] and s["Id"] == body["Id"]:
                return s
        raise Refused(400, "WAFNonexistentItemException",
                      "AWS WAF couldn't perform the operation because your "
                      "resource doesn't exist.")

    def take_fault(self, op):
        """The fault for this call, if any: "skip" lets that many calls
        through first, then "times" calls fail."""
        for f in self.faults:
            if f.get("op", op) == op and f["times"] > 0:
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                f["times"] -= 1
                return f
        return None

    def list_sets(self, body, region, account):
        sets = self.visible(body, region, account)
        start = int(body.get("NextMarker", "0"))
        n = min(body.get("Limit", 100), self.page_size)
        page = sets[start:start + n]
        out = {"IPSets": [{k: s[k] for k in ("Name", "Id", "Description",
                                             "LockToken", "ARN") if k in s}
                          for s in page]}
        if start + n < len(sets):
            out["NextMarker"] = str(start + n)
        return out

    def get_set(self, body, region, account):
        s = self.find(body, region, account)
        view = {k: s[k] for k in ("Name", "Id", "ARN", "Description",
                                  "IPAddressVersion", "Addresses") if k in s}
        return {"IPSet": copy.deepcopy(view), "LockToken": s["LockToken"]}

    def rival_write(self, s):
        for r in self.rivals:
            if r.get("name", s["Name"]) == s["Name"] and r["times"] > 0:
                r["times"] -= 1
                keep = [a for a in s["Addresses"]
                        if a not in r.get("remove", [])]
                s["Addresses"] = keep + [a for a in r.get("add", [])
                                         if a not in keep]
                s["LockToken"] = str(uuid.uuid4())

    def update_set(self, body, region, account):
        s = self.find(body, region, account)
        self.rival_write(s)
        if body["LockToken"] != s["LockToken"]:
            raise Refused(400, "WAFOptimisticLockException",
                          "AWS WAF couldn't save your changes because "
                          "someone changed the resource after you started "
                          "to edit it. Reapply your changes.")
        problems = address_problems(body["Addresses"], s["IPAddressVersion"])
        if problems:
            raise Refused(400, "WAFInvalidParameterException",
                          "; ".join(problems))
        if len(body["Addresses"]) > self.limit:
            raise Refused(400, "WAFLimitsExceededException",
                          "AWS WAF couldn't perform the operation because "
                          "you exceeded your resource limit.")
        s["Addresses"] = list(body["Addresses"])
        # UpdateIPSet replaces every mutable setting it is given or not
        if "Description" in body:
            s["Description"] = body["Description"]
        else:
            s.pop("Description", None)
        s["LockToken"] = str(uuid.uuid4())
        return {"NextLockToken": s["LockToken"]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if status == 429 or obj.get("__type") == "ThrottlingException":
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        st = self.state
        if self.path != "/_state":
            return self.reply(404, {"message": "not found"})
        with st.lock:
            self.reply(200, {"IPSets": copy.deepcopy(st.sets)})

    def do_POST(self):
        st = self.state
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_control":
            ctl = json.loads(raw)
            with st.lock:
                if "load" in ctl:
                    st.load(ctl["load"])
                st.limit = ctl.get("limit", st.limit)
                st.page_size = ctl.get("page_size", st.page_size)
                st.faults.extend(ctl.get("faults", []))
                st.rivals.extend(ctl.get("rivals", []))
                if "barrier" in ctl:
                    st.barrier, st.arrived = ctl["barrier"], 0
            return self.reply(200, {})
        target = self.headers.get("X-Amz-Target", "")
        op = target[len(TARGET_PREFIX):] \
            if target.startswith(TARGET_PREFIX) else target
        text = raw.decode("utf-8", "replace")
        entry = {"method": self.command, "path": self.path,
                 "headers": dict(self.headers.items()), "body": text,
                 "Op": op, "Valid": True, "Problems": []}
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        entry["Body"] = body if body is not None else text
        try:
            status, answer = 200, self.handle_call(op, body, entry)
        except Refused as e:
            status, answer = e.status, {"__type": e.kind,
                                        "Message": e.message}
        entry["Status"], entry["Error"] = status, answer.get("__type")
        with st.lock:
            st.log.write(json.dumps(entry, sort_keys=True) + "\n")
            st.log.flush()
        self.wait_barrier(op)
        self.reply(status, answer)

    # the Network Firewall stand-in's: it reads state.barrier, .arrived
    # and .cond, which State has too
    wait_barrier = nfw_server.Handler.wait_barrier

    def handle_call(self, op, body, entry):
        st = self.state
        ctype = self.headers.get("Content-Type", "")
        if ctype != CONTENT_TYPE:
            entry["Valid"] = False
            raise Refused(400, "SerializationException",
                          "bad Content-Type %r" % ctype)
        if op not in OPERATIONS:
            entry["Valid"] = False
            raise Refused(400, "UnknownOperationException",
                          "unknown operation %r" % op)
        region, refused = signature_problem(self)
        account = None
        if refused is None:
            account, refused = self.signer(entry)
        if refused is not None:
            entry["Valid"] = False
            raise refused
        entry["Region"], entry["Account"] = region, account
        if not isinstance(body, dict):
            entry["Valid"] = False
            raise Refused(400, "SerializationException",
                          "body is not a JSON object")
        problems = model_problems(op, body)
        if problems:
            entry["Valid"], entry["Problems"] = False, problems
            raise Refused(400, "WAFInvalidParameterException",
                          "; ".join(problems))
        with st.lock:
            fault = st.take_fault(op)
            if fault is not None:
                raise Refused(fault.get("status", 500),
                              fault.get("type", "WAFInternalErrorException"),
                              fault.get("message", "injected fault"))
            if op == "ListIPSets":
                return st.list_sets(body, region, account)
            if op == "GetIPSet":
                return st.get_set(body, region, account)
            return st.update_set(body, region, account)

    def signer(self, entry):
        """The account of the signing key, checked: (account, None) or
        (None, Refused)."""
        akid = sigv4_verify.credential(entry)
        try:
            secret, account, temporary = self.state.keys.resolve(
                akid, DEFAULT_ACCOUNT)
        except nfw_server.Refused as e:
            return None, Refused(e.status, e.kind, e.message)
        if temporary:
            if not self.headers.get("X-Amz-Security-Token"):
                return None, Refused(403, "UnrecognizedClientException",
                                     "temporary credentials without a "
                                     "session token")
            if "x-amz-security-token" not in \
                    sigv4_verify.authorization(entry)[0].get(
                        "SignedHeaders", "").split(";"):
                return None, Refused(403, "InvalidSignatureException",
                                     "x-amz-security-token is not signed")
        if secret is not None and not sigv4_verify.verify(entry, secret)[0]:
            return None, Refused(403, "InvalidSignatureException",
                                 "the request signature we calculated does "
                                 "not match the signature you provided")
        return account, None


def validate(op, path):
    with open(path) as f:
        body = json.load(f)
    problems = model_problems(op, body)
    if op == "UpdateIPSet" and isinstance(body.get("Addresses"), list):
        problems += address_problems(body["Addresses"], None)
    print("\n".join(problems) if problems else "valid")
    return 1 if problems else 0


def send_one(url, words):
    """One request, as a client that may get things wrong would send it."""
    import urllib.error
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    ap = argparse.ArgumentParser()
    ap.add_argument("op")
    ap.add_argument("file")
    ap.add_argument("--sign-service", default="wafv2")
    ap.add_argument("--sign-region", default=CLOUDFRONT_REGION)
    ap.add_argument("--secret", default=os.environ["AWS_SECRET_ACCESS_KEY"])
    ap.add_argument("--unsigned", action="store_true")
    ap.add_argument("--content-type", default=CONTENT_TYPE)
    a = ap.parse_args(words)
    with open(a.file, "rb") as f:
        body = f.read()
    req = AWSRequest(method="POST", url=url + "/", data=body, headers={
        "Content-Type": a.content_type,
        "X-Amz-Target": TARGET_PREFIX + a.op})
    if not a.unsigned:
        creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], a.secret)
        SigV4Auth(creds, a.sign_service, a.sign_region).add_auth(req)
    r = urllib.request.Request(url + "/", data=body, method="POST",
                               headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            return "%d -" % resp.status
    except urllib.error.HTTPError as e:
        return "%d %s" % (e.code, json.loads(e.read()).get("__type"))


def send(url, path):
    import shlex
    with open(path) as f:
        for line in f:
            if line.strip():
                print(send_one(url, shlex.split(line)), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--state")
    ap.add_argument("--log")
    ap.add_argument("--limit", type=int, default=10000)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--secret")
    ap.add_argument("--keys")
    ap.add_argument("--role", action="append")
    ap.add_argument("--validate", nargs=2, metavar=("OPERATION", "FILE"))
    ap.add_argument("--send", nargs=2, metavar=("URL", "LIST"))
    a = ap.parse_args()
    if a.validate:
        return validate(*a.validate)
    if a.send:
        return send(*a.send)
    keys = nfw_server.Keys(a.secret, a.keys, a.role, None)
    Handler.state = State(a.state, a.log, a.limit, a.page_size, keys)
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
