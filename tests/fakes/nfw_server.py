#!/usr/bin/python3
"""A local stand-in for AWS Network Firewall, for tests only.

Keeps rule groups in regions and accounts; answers DescribeRuleGroup and
UpdateRuleGroup over awsJson1_0; rotates each group's UpdateToken on every
change and answers InvalidTokenException to a stale one; enforces capacity
and unique priorities; validates every request against the service model
shipped with python3-botocore (required members, unknown members, types,
min, max, pattern, enum) and checks the SigV4 signature (service
network-firewall, the region of the credential scope) when it knows the
signing key's secret.

The state file is one DescribeRuleGroup answer: that group is served in
every region and to every account, as a single group always was. Or it is
{"Groups": [answer, ...]} (or a list of answers): each group is then seen
only by requests signed for the region and by a key of the account its
RuleGroupArn names (arn:aws:network-firewall:REGION:ACCOUNT:...); others
get ResourceNotFoundException, as AWS answers for a group it does not
have there.

Keys: --secret KEY checks every request's signature with KEY whatever its
access key id (the key then belongs to the default account: --account, else
the first group's). --keys "AKID=SECRET,..." (the form of FAKE_STS_KEYS of
aws_fake.py) are keys of the default account; --role ARN (repeatable) is a
role the STS stand-in of aws_fake.py issues keys for: access key
ASIA<NAME>, secret "<NAME>-secret&FAKE" (NAME the role's name in upper case
without '-'), with a session token that must be signed; the key belongs to
the role's account. With --keys or --role, a key not known is refused
(UnrecognizedClientException); with none of them, nothing is checked.
--region R: this endpoint serves region R only; a request signed for
another is refused (InvalidSignatureException), as AWS does.

Faults (throttling, 5xx, ResourceNotFound; each for an operation and
optionally one "group" (name or ARN), "region" or "account"), a slow
answer, a barrier that holds answers until several clients have asked, and
a rival writer (of one "group", default the first) can be injected with
POST /_control, which also replaces the groups ({"state": ...}, faults and
rivals cleared). GET /_state shows the first group, GET /_state?group=X
the group named or with ARN X, GET /_groups all of them ({"Groups":
[...]}). Every request is appended to the log as one JSON line, with the
Region and Account it was signed for and the RuleGroupArn it reached.

usage: nfw_server.py --port N --state FILE --log FILE [--secret KEY]
           [--keys AKID=SECRET,...] [--role ARN]... [--account ID]
           [--region REGION]
"""
import argparse
import copy
import hashlib
import hmac
import ipaddress
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session

TARGET_PREFIX = "NetworkFirewall_20201112."
STANDARD_ACTIONS = ("aws:pass", "aws:drop", "aws:forward_to_sfe")
MATCH_LISTS = ("Sources", "Destinations", "SourcePorts", "DestinationPorts",
               "Protocols", "TCPFlags")

MODEL = botocore.session.get_session().get_service_model("network-firewall")


class Refused(Exception):
    def __init__(self, status, kind, message):
        Exception.__init__(self, message)
        self.status, self.kind, self.message = status, kind, message


# --- validation against the service model ---------------------------------

def check_shape(value, shape, where, problems):
    """Walk a request value along its model shape, collecting problems."""
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if not isinstance(value, dict):
            problems.append("%s: expected an object" % where)
            return
        for name in shape.required_members:
            if name not in value:
                problems.append("%s: missing required member %s"
                                % (where, name))
        for name, v in value.items():
            if name not in shape.members:
                problems.append("%s: unknown member %s" % (where, name))
            else:
                check_shape(v, shape.members[name], where + "." + name,
                            problems)
        return
    if t == "list":
        if not isinstance(value, list):
            problems.append("%s: expected a list" % where)
            return
        check_size(len(value), meta, where, "length", problems)
        for i, v in enumerate(value):
            check_shape(v, shape.member, "%s[%d]" % (where, i), problems)
        return
    if t == "map":
        if not isinstance(value, dict):
            problems.append("%s: expected an object" % where)
            return
        check_size(len(value), meta, where, "size", problems)
        for k, v in value.items():
            check_shape(k, shape.key, where + " key", problems)
            check_shape(v, shape.value, "%s[%s]" % (where, k), problems)
        return
    if t == "string":
        if not isinstance(value, str):
            problems.append("%s: expected a string" % where)
            return
        check_size(len(value), meta, where, "length", problems)
        if "pattern" in meta and not re.search(meta["pattern"], value):
            problems.append("%s: %r does not match %s"
                            % (where, value, meta["pattern"]))
        if shape.enum and value not in shape.enum:
            problems.append("%s: %r is not one of %s"
                            % (where, value, ", ".join(shape.enum)))
        return
    if t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append("%s: expected an integer" % where)
            return
        check_size(value, meta, where, "value", problems)
        return
    if t == "boolean":
        if not isinstance(value, bool):
            problems.append("%s: expected a boolean" % where)
        return
    if t in ("float", "double", "timestamp"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append("%s: expected a number" % where)
        return
    if t == "blob" and not isinstance(value, str):
        problems.append("%s: expected base64 text" % where)


def check_size(n, meta, where, what, problems):
    if "min" in meta and n < meta["min"]:
        problems.append("%s: %s %d below min %s" % (where, what, n,
                                                    meta["min"]))
    if "max" in meta and n > meta["max"]:
        problems.append("%s: %s %d above max %s" % (where, what, n,
                                                    meta["max"]))


def model_problems(op, body):
    problems = []
    check_shape(body, MODEL.operation_model(op).input_shape, op, problems)
    return problems


# --- rule group semantics ---------------------------------------------------

def rule_capacity(rule):
    ma = rule.get("RuleDefinition", {}).get("MatchAttributes", {})
    cap = 1
    for k in MATCH_LISTS:
        if ma.get(k):
            cap *= len(ma[k])
    return cap


def group_capacity(rule_group):
    rules = (rule_group.get("RulesSource", {})
             .get("StatelessRulesAndCustomActions", {})
             .get("StatelessRules", []))
    return sum(rule_capacity(r) for r in rules)


def check_rule_group(rule_group, capacity):
    """What the service would refuse in a stateless rule group."""
    src = rule_group.get("RulesSource", {})
    sr = src.get("StatelessRulesAndCustomActions")
    if sr is None:
        raise Refused(400, "InvalidRequestException",
                      "a stateless rule group needs "
                      "StatelessRulesAndCustomActions")
    custom = set(a["ActionName"] for a in sr.get("CustomActions", []))
    seen = set()
    for rule in sr["StatelessRules"]:
        prio = rule["Priority"]
        if prio in seen:
            raise Refused(400, "InvalidRequestException",
                          "duplicate rule priority %d" % prio)
        seen.add(prio)
        rd = rule["RuleDefinition"]
        std = [a for a in rd["Actions"] if a in STANDARD_ACTIONS]
        if len(std) != 1:
            raise Refused(400, "InvalidRequestException",
                          "rule %d needs exactly one standard action" % prio)
        for a in rd["Actions"]:
            if a not in STANDARD_ACTIONS and a not in custom:
                raise Refused(400, "InvalidRequestException",
                              "rule %d: unknown custom action %s" % (prio, a))
        ma = rd["MatchAttributes"]
        for key in ("Sources", "Destinations"):
            if key not in ma:
                continue
            # The model allows an empty list; a list that matches every
            # address is what our tool must never send, so refuse it here.
            if not ma[key]:
                raise Refused(400, "InvalidRequestException",
                              "rule %d: empty %s list" % (prio, key))
            for a in ma[key]:
                try:
                    ipaddress.ip_network(a["AddressDefinition"], strict=True)
                except ValueError:
                    raise Refused(400, "InvalidRequestException",
                                  "rule %d: invalid CIDR %s"
                                  % (prio, a["AddressDefinition"]))
    need = group_capacity(rule_group)
    if capacity is not None and need > capacity:
        raise Refused(400, "InvalidRequestException",
                      "the rule group needs capacity %d, more than its "
                      "capacity %d" % (need, capacity))


# --- SigV4 --------------------------------------------------------------------

AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                     r"([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?"
                     r"Signature=([0-9a-f]{64})$")


def parse_authorization(handler):
    """(access key id, day, region, service, signed, signature)."""
    m = AUTH_RE.match(handler.headers.get("Authorization", ""))
    if not m:
        raise Refused(403, "MissingAuthenticationTokenException",
                      "missing or malformed Authorization")
    return m.groups()


def check_signature(handler, body, auth, secret, token_needed):
    """Refuse a request not signed as AWS would want it (with secret, when
    known: None checks the form only)."""
    akid, day, region, service, signed, signature = auth
    if service != "network-firewall":
        raise Refused(403, "InvalidSignatureException",
                      "credential scope names service %s" % service)
    amzdate = handler.headers.get("X-Amz-Date", "")
    if not amzdate.startswith(day):
        raise Refused(403, "InvalidSignatureException",
                      "X-Amz-Date does not match the credential scope")
    names = signed.split(";")
    need = ["host", "x-amz-date", "x-amz-target", "content-type"]
    if token_needed:
        if not handler.headers.get("X-Amz-Security-Token"):
            raise Refused(403, "UnrecognizedClientException",
                          "temporary credentials without a session token")
        need.append("x-amz-security-token")
    for n in need:
        if n not in names:
            raise Refused(403, "InvalidSignatureException",
                          "%s is not signed" % n)
    if secret is None:
        return
    lines = []
    for n in names:
        vals = handler.headers.get_all(n) or []
        lines.append("%s:%s\n" % (n, ",".join(" ".join(v.split())
                                               for v in vals)))
    creq = "\n".join(["POST", "/", "", "".join(lines), signed,
                      hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, signature):
        raise Refused(403, "InvalidSignatureException",
                      "the request signature does not match")


class Keys:
    """Who signs: access key id -> (secret, account, temporary)."""

    def __init__(self, secret, keys, roles, account):
        self.secret, self.account = secret, account
        self.known = {}
        for kv in (keys or "").split(","):
            if kv:
                akid, sec = kv.split("=", 1)
                self.known[akid] = (sec, None, False)
        for role in roles or []:
            m = re.match(r"arn:aws:iam::(\d{12}):role/(?:.*/)?([^/]+)$", role)
            if not m:
                raise SystemExit("nfw_server.py: --role %s: not a role ARN"
                                 % role)
            who = m.group(2).upper().replace("-", "")
            self.known["ASIA" + who] = (who + "-secret&FAKE", m.group(1),
                                        True)
        self.strict = bool(self.known)

    def resolve(self, akid, default_account):
        """(secret or None, account, temporary) of a key, or refuse it."""
        if akid in self.known:
            sec, account, temporary = self.known[akid]
            return sec, account or self.account or default_account, temporary
        if self.strict and self.secret is None:
            raise Refused(403, "UnrecognizedClientException",
                          "The security token included in the request is "
                          "invalid")
        return self.secret, self.account or default_account, False


# --- the server ---------------------------------------------------------------

ARN_RE = re.compile(r"arn:aws[a-z-]*:network-firewall:([a-z0-9-]+):(\d{12}):"
                    r"stateless-rulegroup/(.+)$")


class Group:
    """One rule group: as DescribeRuleGroup describes it, with its token."""

    def __init__(self, initial, anywhere):
        self.rule_group = initial["RuleGroup"]
        self.response = initial["RuleGroupResponse"]
        self.token = initial.get("UpdateToken") or str(uuid.uuid4())
        self.response["ConsumedCapacity"] = group_capacity(self.rule_group)
        m = ARN_RE.match(self.response.get("RuleGroupArn", ""))
        self.region = m.group(1) if m else None
        self.account = m.group(2) if m else None
        # a lone group of the old state format is everywhere
        self.anywhere = anywhere

    def arn(self):
        return self.response["RuleGroupArn"]

    def name(self):
        return self.response["RuleGroupName"]

    def named(self, x):
        return x in (self.arn(), self.name())

    def seen_from(self, region, account):
        return self.anywhere or (region == self.region and
                                 account == self.account)

    def snapshot(self):
        return {"UpdateToken": self.token,
                "RuleGroup": copy.deepcopy(self.rule_group),
                "RuleGroupResponse": copy.deepcopy(self.response)}

    def rival_write(self, rival):
        """Another writer adds addresses to the rules at some priorities."""
        sr = self.rule_group["RulesSource"]["StatelessRulesAndCustomActions"]
        for prio, key in ((rival.get("src", 30000), "Sources"),
                          (rival.get("dst", 30100), "Destinations")):
            rule = next((r for r in sr["StatelessRules"]
                         if r["Priority"] == prio), None)
            if rule is None:
                rule = {"Priority": prio, "RuleDefinition": {
                    "MatchAttributes": {key: []}, "Actions": ["aws:drop"]}}
                sr["StatelessRules"].append(rule)
            rule["RuleDefinition"]["MatchAttributes"][key].extend(
                {"AddressDefinition": a} for a in rival["add"])
        self.changed()

    def changed(self):
        self.token = str(uuid.uuid4())
        self.response["ConsumedCapacity"] = group_capacity(self.rule_group)
        self.response["LastModifiedTime"] = round(time.time(), 3)

    def update(self, body):
        if body["UpdateToken"] != self.token:
            raise Refused(400, "InvalidTokenException",
                          "Update token is invalid")
        if "RuleGroup" in body and "Rules" in body:
            raise Refused(400, "InvalidRequestException",
                          "specify RuleGroup or Rules, not both")
        if "RuleGroup" not in body:
            raise Refused(400, "InvalidRequestException",
                          "a stateless rule group needs RuleGroup")
        check_rule_group(body["RuleGroup"], self.response.get("Capacity"))
        if body.get("DryRun"):
            return {"UpdateToken": self.token,
                    "RuleGroupResponse": copy.deepcopy(self.response)}
        self.rule_group = copy.deepcopy(body["RuleGroup"])
        for k in ("Description", "EncryptionConfiguration", "SourceMetadata"):
            if k in body:
                self.response[k] = copy.deepcopy(body[k])
            else:
                self.response.pop(k, None)
        self.changed()
        return {"UpdateToken": self.token,
                "RuleGroupResponse": copy.deepcopy(self.response)}


def load_groups(state):
    """The groups of a state: one answer (everywhere), or several."""
    if isinstance(state, dict) and "RuleGroupResponse" in state:
        return [Group(state, True)]
    answers = state["Groups"] if isinstance(state, dict) else state
    groups = [Group(a, False) for a in answers]
    arns = [g.arn() for g in groups]
    if len(set(arns)) != len(arns):
        raise SystemExit("nfw_server.py: two groups with one ARN")
    return groups


class State:
    def __init__(self, path, log, keys, region):
        with open(path) as f:
            self.load(json.load(f))
        self.lock = threading.Lock()
        self.log = open(log, "a")
        self.keys = keys
        self.region = region    # the one region served, or None: any
        self.faults = []        # [{"op", "status", "type", "times", "skip",
        #                           "group", "region", "account"}]
        self.delays = {}        # op -> seconds
        self.rivals = []        # [{"add": [...], "times": n, "group"}]
        self.barrier = None     # {"op", "count"}: hold answers until
        self.arrived = 0        # count requests for op have arrived
        self.cond = threading.Condition(self.lock)

    def load(self, state):
        """Hold these groups from now on."""
        self.groups = load_groups(state)

    def default_account(self):
        return self.groups[0].account if self.groups else None

    def group(self, x):
        """A group by name or ARN, for /_state and /_control."""
        if x is None:
            return self.groups[0]
        return next((g for g in self.groups if g.named(x)), None)

    def find(self, body, region, account):
        arn, name = body.get("RuleGroupArn"), body.get("RuleGroupName")
        if arn is None and name is None:
            raise Refused(400, "InvalidRequestException",
                          "specify RuleGroupArn or RuleGroupName")
        if arn is None and body.get("Type") is None:
            raise Refused(400, "InvalidRequestException",
                          "Type is required without RuleGroupArn")
        for g in self.groups:
            if (g.seen_from(region, account) and
                    (arn is None or arn == g.arn()) and
                    (name is None or name == g.name()) and
                    body.get("Type", "STATELESS") == "STATELESS"):
                return g
        raise Refused(400, "ResourceNotFoundException",
                      "rule group not found")

    def take_fault(self, op, g, region, account):
        """The fault for this call, if any: "skip" lets that many calls
        through first, then "times" calls fail."""
        for f in self.faults:
            if (f.get("op", op) != op or f["times"] <= 0 or
                    f.get("region", region) != region or
                    f.get("account", account) != account or
                    ("group" in f and (g is None or
                                       not g.named(f["group"])))):
                continue
            if f.get("skip", 0) > 0:
                f["skip"] -= 1
                continue
            f["times"] -= 1
            return f
        return None

    def update(self, g, body):
        for rival in self.rivals:
            if rival["times"] > 0 and self.group(rival.get("group")) is g:
                rival["times"] -= 1
                g.rival_write(rival)
        return g.update(body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, extra=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        st = self.state
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        with st.lock:
            if url.path == "/_groups":
                return self.reply(200, {"Groups": [g.snapshot()
                                                   for g in st.groups]})
            g = st.group(query.get("group"))
            if url.path != "/_state" or g is None:
                return self.reply(404, {"message": "not found"})
            self.reply(200, g.snapshot())

    def record(self, entry):
        st = self.state
        st.log.write(json.dumps(entry, sort_keys=True) + "\n")
        st.log.flush()

    def control(self, ctl):
        st = self.state
        with st.lock:
            st.faults.extend(ctl.get("faults", []))
            st.delays.update(ctl.get("delays", {}))
            st.rivals.extend(ctl.get("rivals", []))
            if "state" in ctl:
                st.load(ctl["state"])
                st.faults, st.delays, st.rivals = [], {}, []
            if "barrier" in ctl:
                st.barrier, st.arrived = ctl["barrier"], 0
        return self.reply(200, {})

    def do_POST(self):
        st = self.state
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_control":
            return self.control(json.loads(raw))
        target = self.headers.get("X-Amz-Target", "")
        op = target[len(TARGET_PREFIX):] \
            if target.startswith(TARGET_PREFIX) else target
        entry = {"Op": op, "Valid": True, "Problems": [],
                 "Headers": dict(self.headers.items()),
                 "Region": None, "Account": None, "RuleGroupArn": None}
        try:
            body = json.loads(raw)
            entry["Body"] = body
        except ValueError:
            body = None
            entry["Body"] = raw.decode("utf-8", "replace")
        try:
            status, answer = 200, self.handle_call(op, target, raw, body,
                                                   entry)
        except Refused as e:
            status = e.status
            answer = {"__type": e.kind, "Message": e.message}
        entry["Status"] = status
        entry["Error"] = answer.get("__type")
        with st.lock:
            self.record(entry)
        delay = st.delays.get(op, 0)
        if delay:
            time.sleep(delay)
        self.wait_barrier(op)
        extra = [("Retry-After", "0")] if status == 429 else []
        self.reply(status, answer, extra)

    def wait_barrier(self, op):
        """Hold the answer until the barrier's count of requests for op
        have been answered by the service (at most 10 s), so that
        concurrent clients all read the same state."""
        st = self.state
        with st.cond:
            b = st.barrier
            if b is None or b["op"] != op or st.arrived >= b["count"]:
                return
            st.arrived += 1
            st.cond.notify_all()
            st.cond.wait_for(lambda: st.arrived >= b["count"], timeout=10)

    def signer(self, raw, entry):
        """Check the signature; the (region, account) it was made for."""
        st = self.state
        auth = parse_authorization(self)
        akid, region = auth[0], auth[2]
        with st.lock:
            secret, account, temporary = st.keys.resolve(
                akid, st.default_account())
        check_signature(self, raw, auth, secret, temporary)
        if st.region is not None and region != st.region:
            raise Refused(403, "InvalidSignatureException",
                          "Credential should be scoped to a valid region, "
                          "not '%s'" % region)
        entry["Region"], entry["Account"] = region, account
        return region, account

    def handle_call(self, op, target, raw, body, entry):
        st = self.state
        ctype = self.headers.get("Content-Type", "")
        if ctype != "application/x-amz-json-1.0":
            entry["Valid"] = False
            raise Refused(400, "SerializationException",
                          "bad Content-Type %r" % ctype)
        if op not in ("DescribeRuleGroup", "UpdateRuleGroup"):
            entry["Valid"] = False
            raise Refused(400, "UnknownOperationException",
                          "unknown operation %r" % target)
        region, account = self.signer(raw, entry)
        if not isinstance(body, dict):
            entry["Valid"] = False
            raise Refused(400, "SerializationException", "body is not "
                          "a JSON object")
        problems = model_problems(op, body)
        if problems:
            entry["Valid"] = False
            entry["Problems"] = problems
            raise Refused(400, "InvalidRequestException",
                          "; ".join(problems))
        with st.lock:
            try:
                g = st.find(body, region, account)
            except Refused:
                g = None
            if g is not None:
                entry["RuleGroupArn"] = g.arn()
            fault = st.take_fault(op, g, region, account)
            if fault is not None:
                raise Refused(fault.get("status", 500),
                              fault.get("type", "InternalServerError"),
                              fault.get("message", "injected fault"))
            if g is None:
                st.find(body, region, account)  # raises the reason
            if op == "DescribeRuleGroup":
                return g.snapshot()
            return st.update(g, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret")
    ap.add_argument("--keys")
    ap.add_argument("--role", action="append")
    ap.add_argument("--account")
    ap.add_argument("--region")
    a = ap.parse_args()
    keys = Keys(a.secret, a.keys, a.role, a.account)
    Handler.state = State(a.state, a.log, keys, a.region)
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
