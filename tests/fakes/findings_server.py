#!/usr/bin/python3
"""A local stand-in for Security Hub and GuardDuty, for tests only.

Serves, over rest-json, Security Hub's GetFindings, GetFindingsV2 (when the
model has it), ListFindingAggregators and GetFindingAggregator, and
GuardDuty's ListDetectors, ListFindings and GetFindings, from findings
loaded from JSON-lines files (ASFF for securityhub, native for guardduty;
OCSF for GetFindingsV2). Each finding lives in its Region (ASFF Region or
the one in ProductArn, native region, OCSF cloud.region); a call sees the
Region of its credential scope (with a finding aggregator: its home Region
sees every Region's findings). Filters, sorting and keyset pagination
behave as the services document them for the members the tests use.

Every request is validated against the service model of python3-botocore
(wire names mapped to members, then botocore's ParamValidator and the
stricter walk of nfw_server.py: required, unknown, types, min, max,
pattern, enum) and its SigV4 signature is recomputed with botocore's own
signer. POST /_control changes the data ({"put": {"asff"|"gd"|"ocsf": [...]}},
{"aggregator": {"arn", "home"}}, {"regions": [...]}) and injects faults
({"faults": [{"op", "status", "type", "times", "period"}]}: the first
"times" requests, or the first "times" of every "period"; {"clear_faults":
true}); GET /_state shows counts. Every request is appended to the log as one JSON line.

usage: findings_server.py --service securityhub|guardduty --port N
           --log FILE --secret KEY [--findings FILE] [--ocsf FILE]
           [--regions R,R,...]
"""
import argparse
import base64
import bisect
import datetime
import gzip
import itertools
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import botocore.session  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.model import ServiceModel  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402
from nfw_server import check_shape  # noqa: E402


def load_model(service):
    """Debian's model; for operations it lacks (GetFindingsV2 in 1.29),
    a newer botocore's model named by $FAKE_BOTOCORE_DATA, if any."""
    model = botocore.session.get_session().get_service_model(service)
    newer = os.environ.get("FAKE_BOTOCORE_DATA")
    if service == "securityhub" and newer and \
            "GetFindingsV2" not in model.operation_names:
        d = os.path.join(newer, "securityhub", "2018-10-26")
        for name in ("service-2.json", "service-2.json.gz"):
            p = os.path.join(d, name)
            if os.path.exists(p):
                opener = gzip.open if p.endswith(".gz") else open
                with opener(p, "rt") as f:
                    model = ServiceModel(json.load(f), "securityhub")
                break
    return model


def ms(text):
    """An ASFF/GuardDuty/OCSF time as epoch milliseconds."""
    t = text.replace("Z", "+00:00")
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d:?\d\d)$", t)
    if not m:
        raise ValueError("not a time: %r" % text)
    base, frac, off = m.groups()
    if len(off) == 5:
        off = off[:3] + ":" + off[3:]
    d = datetime.datetime.fromisoformat(base + off)
    return int(d.timestamp()) * 1000 + int(((frac or ".0")[1:] + "000")[:3])


class Refused(Exception):
    def __init__(self, status, kind, message):
        Exception.__init__(self, message)
        self.status, self.kind, self.message = status, kind, message


# --- wire to model ------------------------------------------------------------

def wire_to_params(shape, value):
    """Rename wire keys (locationName) to member names, recursively;
    unknown keys are kept so that the validators report them."""
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        by_wire = {m.serialization.get("name", n): n
                   for n, m in shape.members.items()}
        out = {}
        for k, v in value.items():
            n = by_wire.get(k)
            out[n or k] = wire_to_params(shape.members[n], v) if n else v
        return out
    if t == "list" and isinstance(value, list):
        return [wire_to_params(shape.member, v) for v in value]
    if t == "map" and isinstance(value, dict):
        return {k: wire_to_params(shape.value, v) for k, v in value.items()}
    return value


def request_params(op_model, path_args, query, body):
    shape = op_model.input_shape
    params = wire_to_params(shape, body) if body is not None else {}
    for name, m in shape.members.items():
        loc = m.serialization.get("location")
        wire = m.serialization.get("name", name)
        if loc == "uri" and wire in path_args:
            params[name] = path_args[wire]
        elif loc == "querystring" and wire in query:
            v = query[wire]
            if m.type_name in ("integer", "long"):
                try:
                    v = int(v)
                except ValueError:
                    pass
            params[name] = v
    return params


def model_problems(op_model, params):
    problems = []
    report = ParamValidator().validate(params, op_model.input_shape)
    if report.has_errors():
        problems.append(report.generate_report())
    check_shape(params, op_model.input_shape, op_model.name, problems)
    return problems


# --- signatures ------------------------------------------------------------------

def check_signature(handler, raw, service, secret):
    h = {k.lower(): v for k, v in handler.headers.items()}
    auth = h.get("authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                 r"([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?"
                 r"Signature=([0-9a-f]{64})$", auth)
    if not m:
        raise Refused(403, "MissingAuthenticationTokenException",
                      "missing or malformed Authorization")
    akid, day, region, svc, signed, signature = m.groups()
    if svc != service:
        raise Refused(403, "InvalidSignatureException",
                      "credential scope names service %s" % svc)
    names = signed.split(";")
    need = ["host", "x-amz-date"] + (["content-type"] if raw else [])
    for n in need:
        if n not in names:
            raise Refused(403, "InvalidSignatureException",
                          "%s is not signed" % n)
    if not h.get("x-amz-date", "").startswith(day):
        raise Refused(403, "InvalidSignatureException",
                      "X-Amz-Date does not match the credential scope")
    req = AWSRequest(method=handler.command,
                     url="http://%s%s" % (h["host"], handler.path),
                     data=raw, headers={n: h[n] for n in names})
    req.context["timestamp"] = h["x-amz-date"]
    signer = SigV4Auth(Credentials(akid, secret,
                                   h.get("x-amz-security-token")),
                       service, region)
    want = signer.signature(signer.string_to_sign(
        req, signer.canonical_request(req)), req)
    if want != signature:
        raise Refused(403, "InvalidSignatureException",
                      "the request signature does not match")
    return region


# --- findings ----------------------------------------------------------------------

def asff_region(f):
    if f.get("Region"):
        return f["Region"]
    parts = f.get("ProductArn", "").split(":")
    return parts[3] if len(parts) > 3 else "us-east-1"


class Store:
    """Findings by kind (asff, gd, ocsf), each with its region, update
    time in ms and id; pages are cut by keyset (updated, id)."""

    def __init__(self):
        self.items = {"asff": {}, "gd": {}, "ocsf": {}}
        self.sorted = {}
        self.lock = threading.Lock()

    def ordered(self, kind):
        if kind not in self.sorted:
            items = sorted(self.items[kind].values(),
                           key=lambda it: (it["ms"], it["id"]))
            self.sorted[kind] = (items, [(it["ms"], it["id"])
                                         for it in items])
        return self.sorted[kind]

    @staticmethod
    def key_of(kind, f):
        if kind == "asff":
            return f["Id"], f["UpdatedAt"], asff_region(f)
        if kind == "gd":
            return f["id"], f["updatedAt"], f["region"]
        info = f["finding_info"]
        return info["uid"], info["modified_time_dt"], \
            f.get("cloud", {}).get("region", "us-east-1")

    def put(self, kind, f):
        fid, upd, region = self.key_of(kind, f)
        self.sorted.pop(kind, None)
        self.items[kind][fid] = {"f": f, "ms": ms(upd), "id": fid,
                                 "region": region,
                                 "text": json.dumps(f)}

    def load(self, kind, path):
        with open(path) as fh:
            for line in fh:
                if line.strip():
                    self.put(kind, json.loads(line))


# --- Security Hub filters ----------------------------------------------------------

def string_ok(value, filters):
    pos = [x for x in filters if x.get("Comparison", "EQUALS") in
           ("EQUALS", "PREFIX")]
    neg = [x for x in filters if x.get("Comparison") in
           ("NOT_EQUALS", "PREFIX_NOT_EQUALS")]
    if pos:
        if value is None or not any(
                value == x["Value"] if x.get("Comparison", "EQUALS") ==
                "EQUALS" else value.startswith(x["Value"]) for x in pos):
            return False
    for x in neg:
        if value is None:
            continue
        if x["Comparison"] == "NOT_EQUALS" and value == x["Value"]:
            return False
        if x["Comparison"] == "PREFIX_NOT_EQUALS" and \
                value.startswith(x["Value"]):
            return False
    return True


def map_ok(m, filters):
    m = m or {}
    pos = [x for x in filters if x.get("Comparison", "EQUALS") == "EQUALS"]
    neg = [x for x in filters if x.get("Comparison") == "NOT_EQUALS"]
    if pos and not any(m.get(x["Key"]) == x["Value"] for x in pos):
        return False
    return not any(m.get(x["Key"]) == x["Value"] for x in neg)


def date_ok(value, filters):
    if value is None:
        return False
    v = ms(value)
    for x in filters:
        if "Start" in x and v < ms(x["Start"]):
            return False
        if "End" in x and v > ms(x["End"]):
            return False
    return True


MAP_FIELDS = ("ProductFields", "UserDefinedFields", "ResourceTags")
DATE_FIELDS = ("UpdatedAt", "CreatedAt", "FirstObservedAt",
               "LastObservedAt", "ProcessedAt")
NESTED = {"SeverityLabel": ("Severity", "Label"),
          "WorkflowStatus": ("Workflow", "Status")}


def asff_match(f, filters):
    for name, fl in filters.items():
        if name in DATE_FIELDS:
            if not date_ok(f.get(name), fl):
                return False
        elif name in MAP_FIELDS:
            if not map_ok(f.get(name), fl):
                return False
        elif name in NESTED:
            a, b = NESTED[name]
            if not string_ok((f.get(a) or {}).get(b), fl):
                return False
        elif name == "Type":
            if not any(string_ok(t, fl) for t in f.get("Types", [])):
                return False
        else:
            v = f.get(name)
            if not string_ok(v if isinstance(v, str) else None, fl):
                return False
    return True


def ocsf_field(f, dotted):
    v = f
    for part in dotted.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    return v


def ocsf_match(f, filters):
    results = []
    for comp in filters.get("CompositeFilters", []):
        ok = []
        for sf in comp.get("StringFilters", []):
            ok.append(string_ok(ocsf_field(f, sf["FieldName"]),
                                [sf["Filter"]]))
        for df in comp.get("DateFilters", []):
            ok.append(date_ok(ocsf_field(f, df["FieldName"]),
                              [df["Filter"]]))
        op = comp.get("Operator", "AND")
        results.append(all(ok) if op == "AND" else any(ok))
    if filters.get("CompositeOperator", "AND") == "OR":
        return any(results) if results else True
    return all(results)


# --- the server ----------------------------------------------------------------------

class State:
    def __init__(self, a):
        self.service = a.service
        self.model = load_model(a.service)
        self.secret = a.secret
        self.log = open(a.log, "a")
        self.store = Store()
        if a.findings:
            self.store.load("asff" if a.service == "securityhub" else "gd",
                            a.findings)
        if a.ocsf:
            self.store.load("ocsf", a.ocsf)
        self.enabled = set(a.regions.split(",")) if a.regions else None
        self.aggregator = None
        self.faults = []
        self.counts = {}
        self.lock = threading.Lock()

    def take_fault(self, op):
        for f in self.faults:
            if f.get("op", op) != op:
                continue
            n = f.setdefault("seen", 0)
            f["seen"] = n + 1
            period = f.get("period")
            if period:
                if n % period < f["times"]:
                    return f
            elif f["times"] > 0:
                f["times"] -= 1
                return f
        return None

    def visible(self, kind, region):
        if self.aggregator and region == self.aggregator["home"]:
            return lambda it: True
        return lambda it: it["region"] == region


def encode_token(key):
    return base64.b64encode(json.dumps(key).encode()).decode()


def decode_token(tok):
    try:
        return json.loads(base64.b64decode(tok))
    except Exception:
        raise Refused(400, "InvalidInputException", "invalid NextToken")


def page(store, kind, pred, token, limit):
    """The next limit items after the token's key that pred takes, in
    (updated, id) order, and the token of the page after them."""
    items, keys = store.ordered(kind)
    i = 0
    if token is not None:
        i = bisect.bisect_right(keys, tuple(decode_token(token)))
    chunk, more = [], False
    for it in itertools.islice(items, i, None):
        if not pred(it):
            continue
        if len(chunk) == limit:
            more = True
            break
        chunk.append(it)
    nxt = encode_token([chunk[-1]["ms"], chunk[-1]["id"]]) if more else None
    return chunk, nxt


ROUTES = {
    "securityhub": [
        ("POST", r"^/findings$", "GetFindings"),
        ("POST", r"^/findingsv2$", "GetFindingsV2"),
        ("GET", r"^/findingAggregator/list$", "ListFindingAggregators"),
        ("GET", r"^/findingAggregator/get/(?P<FindingAggregatorArn>.+)$",
         "GetFindingAggregator"),
    ],
    "guardduty": [
        ("GET", r"^/detector$", "ListDetectors"),
        ("POST", r"^/detector/(?P<detectorId>[^/]+)/findings$",
         "ListFindings"),
        ("POST", r"^/detector/(?P<detectorId>[^/]+)/findings/get$",
         "GetFindings"),
    ],
}

THROTTLE = {"securityhub": (429, "LimitExceededException"),
            "guardduty": (429, "TooManyRequestsException")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, kind=None):
        data = body.encode() if isinstance(body, str) else \
            json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if kind:
            self.send_header("x-amzn-ErrorType", kind)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_state":
            st = self.st
            with st.lock:
                return self.reply(200, {"counts": st.counts, "findings": {
                    k: len(v) for k, v in st.store.items.items()}})
        self.handle_call(b"")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_control":
            return self.control(json.loads(raw))
        self.handle_call(raw)

    def control(self, ctl):
        st = self.st
        with st.lock:
            if ctl.get("clear_faults"):
                st.faults = []
            st.faults.extend(ctl.get("faults", []))
            if "aggregator" in ctl:
                st.aggregator = ctl["aggregator"]
            if "regions" in ctl:
                st.enabled = set(ctl["regions"])
            for kind, fs in ctl.get("put", {}).items():
                for f in fs:
                    st.store.put(kind, f)
        self.reply(200, {})

    def route(self):
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        for method, rx, op in ROUTES[self.st.service]:
            m = re.match(rx, path)
            if m and method == self.command:
                args = {k: urllib.parse.unquote(v)
                        for k, v in m.groupdict().items()}
                query = dict(urllib.parse.parse_qsl(split.query,
                                                    keep_blank_values=True))
                return op, args, query
        raise Refused(404, "UnknownOperationException",
                      "no operation at %s %s" % (self.command, path))

    def handle_call(self, raw):
        st = self.st
        entry = {"Method": self.command, "Path": self.path, "Valid": True,
                 "Problems": [], "Headers": dict(self.headers.items())}
        try:
            op, args, query = self.route()
            entry["Op"] = op
            if op not in st.model.operation_names:
                raise Refused(404, "UnknownOperationException",
                              "%s is not in this model" % op)
            region = check_signature(self, raw, st.service, st.secret)
            entry["Region"] = region
            if raw and self.headers.get("Content-Type") != \
                    "application/json":
                raise Refused(400, "SerializationException",
                              "bad Content-Type")
            body = json.loads(raw) if raw else None
            entry["Body"] = body
            om = st.model.operation_model(op)
            problems = model_problems(om, request_params(om, args, query,
                                                         body))
            if problems:
                entry["Valid"] = False
                entry["Problems"] = problems
                raise Refused(400, "InvalidInputException" if
                              st.service == "securityhub" else
                              "BadRequestException", "; ".join(problems))
            with st.lock:
                st.counts[op] = st.counts.get(op, 0) + 1
                fault = st.take_fault(op)
                if fault is not None:
                    d = THROTTLE[st.service]
                    raise Refused(fault.get("status", d[0]),
                                  fault.get("type", d[1]),
                                  fault.get("message", "Rate exceeded"))
                answer = getattr(self, "op_%s_%s" % (
                    "sh" if st.service == "securityhub" else "gd", op))(
                        region, args, query, body or {})
            status = 200
        except Refused as e:
            status = e.status
            answer = {"message": e.message, "__type": e.kind}
            entry["Error"] = e.kind
            if e.kind in ("InvalidSignatureException",
                          "MissingAuthenticationTokenException"):
                entry["Valid"] = False
        entry["Status"] = status
        with st.lock:
            st.log.write(json.dumps(entry, sort_keys=True) + "\n")
            st.log.flush()
        self.reply(status, answer, entry.get("Error"))

    # -- Security Hub

    def enabled(self, region):
        st = self.st
        if st.enabled is not None and region not in st.enabled:
            if st.service == "securityhub":
                raise Refused(401, "InvalidAccessException",
                              "Account 111122223333 is not subscribed to "
                              "AWS Security Hub in %s" % region)
            return False
        return True

    def findings_page(self, kind, region, body, match):
        st = self.st
        self.enabled(region)
        seen = st.visible(kind, region)
        filters = body.get("Filters", {})
        chunk, nxt = page(st.store, kind,
                          lambda it: seen(it) and match(it["f"], filters),
                          body.get("NextToken"), body.get("MaxResults", 100))
        text = '{"Findings":[' + ",".join(it["text"] for it in chunk) + "]"
        if nxt:
            text += ',"NextToken":"%s"' % nxt
        return text + "}"

    def op_sh_GetFindings(self, region, args, query, body):
        return self.findings_page("asff", region, body, asff_match)

    def op_sh_GetFindingsV2(self, region, args, query, body):
        return self.findings_page("ocsf", region, body, ocsf_match)

    def op_sh_ListFindingAggregators(self, region, args, query, body):
        self.enabled(region)
        agg = self.st.aggregator
        return {"FindingAggregators": [{"FindingAggregatorArn":
                                        agg["arn"]}] if agg else []}

    def op_sh_GetFindingAggregator(self, region, args, query, body):
        agg = self.st.aggregator
        if not agg or args["FindingAggregatorArn"] != agg["arn"]:
            raise Refused(404, "ResourceNotFoundException", "no aggregator")
        return {"FindingAggregatorArn": agg["arn"],
                "FindingAggregationRegion": agg["home"],
                "RegionLinkingMode": "ALL_REGIONS"}

    # -- GuardDuty

    def detector(self, region):
        return ("d" + region.replace("-", ""))[:32].ljust(32, "0")

    def op_gd_ListDetectors(self, region, args, query, body):
        return {"detectorIds": [self.detector(region)]
                if self.enabled(region) else []}

    def check_detector(self, region, args):
        if not self.enabled(region) or \
                args["detectorId"] != self.detector(region):
            raise Refused(400, "BadRequestException",
                          "The request is rejected because the input "
                          "detectorId is not owned by the current account.")

    def op_gd_ListFindings(self, region, args, query, body):
        self.check_detector(region, args)
        crit = body.get("findingCriteria", {}).get("criterion", {})
        since = crit.get("updatedAt", {}).get("greaterThanOrEqual", 0)
        archived = crit.get("service.archived", {}).get("equals")

        def match(it):
            f = it["f"]
            if it["region"] != region or it["ms"] < since:
                return False
            if archived is not None and \
                    str(f.get("service", {}).get("archived", False)).lower() \
                    not in archived:
                return False
            return True
        chunk, nxt = page(self.st.store, "gd", match, body.get("nextToken"),
                          body.get("maxResults", 50))
        out = {"findingIds": [it["id"] for it in chunk]}
        if nxt:
            out["nextToken"] = nxt
        return out

    def op_gd_GetFindings(self, region, args, query, body):
        self.check_detector(region, args)
        items = self.st.store.items["gd"]
        found = [items[i] for i in body["findingIds"] if i in items]
        found.reverse()     # no order is promised: make the client sort
        return '{"findings":[' + ",".join(it["text"] for it in found) + "]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--service", choices=("securityhub", "guardduty"),
                    required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--findings")
    ap.add_argument("--ocsf")
    ap.add_argument("--regions")
    a = ap.parse_args()
    Handler.st = State(a)
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
