#!/usr/bin/python3
"""A local stand-in for the IAM Identity Center portal (sso
GetRoleCredentials) and for SSO OIDC (sso-oidc CreateToken with the
refresh grant), for tests only.

One server answers both (their paths differ: GET /federation/credentials,
POST /token), so AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL_SSO_OIDC may
name the same port. Every request is validated against the operation's
model in python3-botocore, as botocore would send it: the members are
read from where the model puts them (query string, header, JSON body),
then botocore's ParamValidator and nfw_server.py's walk (max, pattern,
enum) judge them; unknown query parameters, a signature (both operations
are unsigned) or a JSON body of the wrong content type are refused too.

The state file (JSON, read on every request and written back) holds what
the service knows; the test writes it:

    {"access_tokens": {"TOKEN": EXPIRY_EPOCH},  bearer tokens accepted
     "assignments": {"ACCOUNT": ["ROLE"]},      roles a user may take
     "clients": {"CLIENT_ID": "CLIENT_SECRET"}, registered clients
     "refresh_tokens": ["TOKEN"],               refresh tokens accepted
     "token_lifetime": 28800,                   expiresIn of new tokens
     "rotate_refresh_token": true,              a new one each time (the
                                                old one is revoked); false:
                                                none in the answer
     "credentials_lifetime": 3600,              of role credentials
     "faults": [{"path": "/token", "status": 500,
                 "type": "InternalServerException", "times": 1}]}

Issued secrets contain "NeverPrint" so tests can look for leaks: access
tokens SsoAccessNeverPrint-N, refresh tokens SsoRefreshNeverPrint-N, role
credentials ASIASSO<ROLE> / SsoRoleSecretNeverPrint-<Role> /
SsoRoleTokenNeverPrint-N.

usage: sso_server.py --port N --log FILE --state FILE
"""
import argparse
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

import nfw_server  # noqa: E402  (its model walk, not its service)

SESSION = botocore.session.get_session()
MODELS = {"sso": SESSION.get_service_model("sso"),
          "sso-oidc": SESSION.get_service_model("sso-oidc")}
OPERATIONS = {("GET", "/federation/credentials"):
              ("sso", "GetRoleCredentials"),
              ("POST", "/token"): ("sso-oidc", "CreateToken")}
ARGS = None


class Refused(Exception):
    def __init__(self, status, kind, message, oidc=False):
        Exception.__init__(self, message)
        self.status, self.kind, self.message = status, kind, message
        self.oidc = oidc


def load_state():
    with open(ARGS.state) as f:
        return json.load(f)


def save_state(state):
    tmp = ARGS.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(tmp, ARGS.state)


def params_from_request(op, query, headers, body, ctype, problems):
    """The operation's input members, read where the model puts them."""
    shape = op.input_shape
    params, seen_query = {}, set()
    body_members = {}
    for name, member in shape.members.items():
        where = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if where == "querystring":
            if wire in query:
                seen_query.add(wire)
                if len(query[wire]) != 1:
                    problems.append("query %s given %d times"
                                    % (wire, len(query[wire])))
                params[name] = query[wire][0]
        elif where == "header":
            if headers.get(wire.lower()) is not None:
                params[name] = headers[wire.lower()]
        elif where is None:
            body_members[name] = member
    for wire in query:
        if wire not in seen_query:
            problems.append("unknown query parameter %s" % wire)
    if body_members:
        if ctype != "application/json":
            problems.append("a JSON body needs Content-Type "
                            "application/json, not %r" % ctype)
        try:
            doc = json.loads(body or "{}")
        except ValueError:
            problems.append("the body is not JSON")
            doc = {}
        if not isinstance(doc, dict):
            problems.append("the body is not a JSON object")
            doc = {}
        for k, v in doc.items():
            if k in shape.members and k not in body_members:
                problems.append("%s belongs elsewhere than the body" % k)
            params[k] = v
    elif body:
        problems.append("a body where the operation has none")
    return params


def validate(service, opname, query, headers, body):
    op = MODELS[service].operation_model(opname)
    problems = []
    if "authorization" in headers or "x-amz-date" in headers:
        problems.append("%s is unsigned (auth none), but the request was "
                        "signed" % opname)
    ctype = (headers.get("content-type") or "").split(";")[0].strip()
    params = params_from_request(op, query, headers, body, ctype, problems)
    report = ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        problems.append(report.generate_report())
    nfw_server.check_shape(params, op.input_shape, opname, problems)
    return params, problems


def fault(state, path):
    for f in state.get("faults", []):
        if f.get("path") == path and f.get("times", 1) > 0:
            f["times"] = f.get("times", 1) - 1
            return f
    return None


def next_n(state):
    state["issued"] = state.get("issued", 0) + 1
    return state["issued"]


def get_role_credentials(state, p):
    tokens = state.get("access_tokens", {})
    exp = tokens.get(p["accessToken"])
    if exp is None or exp < time.time():
        raise Refused(401, "UnauthorizedException",
                      "Session token not found or invalid")
    roles = state.get("assignments", {}).get(p["accountId"], [])
    if p["roleName"] not in roles:
        raise Refused(404, "ResourceNotFoundException", "No access")
    n = next_n(state)
    lifetime = state.get("credentials_lifetime", 3600)
    return {"roleCredentials": {
        "accessKeyId": "ASIASSO" + p["roleName"].upper(),
        "secretAccessKey": "SsoRoleSecretNeverPrint-" + p["roleName"],
        "sessionToken": "SsoRoleTokenNeverPrint-%d" % n,
        "expiration": int((time.time() + lifetime) * 1000)}}


def create_token(state, p):
    if p["grantType"] != "refresh_token":
        raise Refused(400, "UnsupportedGrantTypeException",
                      "only the refresh grant here", True)
    if state.get("clients", {}).get(p["clientId"]) != p["clientSecret"]:
        raise Refused(401, "InvalidClientException",
                      "Invalid client provided", True)
    rts = state.get("refresh_tokens", [])
    if p.get("refreshToken") not in rts:
        raise Refused(400, "InvalidGrantException",
                      "Invalid refresh token provided", True)
    n = next_n(state)
    access = "SsoAccessNeverPrint-%d" % n
    lifetime = state.get("token_lifetime", 28800)
    state.setdefault("access_tokens", {})[access] = time.time() + lifetime
    answer = {"accessToken": access, "tokenType": "Bearer",
              "expiresIn": lifetime}
    if state.get("rotate_refresh_token", True):
        rts.remove(p["refreshToken"])
        fresh = "SsoRefreshNeverPrint-%d" % n
        rts.append(fresh)
        answer["refreshToken"] = fresh
    state["refresh_tokens"] = rts
    return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, doc, headers=None):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, e):
        body = {"error": e.kind, "error_description": e.message} \
            if e.oidc else {"message": e.message}
        self.reply(e.status, body, {"x-amzn-ErrorType": e.kind})

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"method": self.command, "path": self.path,
                 "headers": dict(self.headers.items()), "body": body}
        try:
            self.answer(url.path, query, headers, body, entry)
        finally:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def answer(self, path, query, headers, body, entry):
        route = OPERATIONS.get((self.command, path))
        if route is None:
            entry["problems"] = ["no such operation"]
            self.refuse(Refused(404, "UnknownOperationException",
                                "no operation at %s %s"
                                % (self.command, path)))
            return
        service, opname = route
        entry["operation"] = opname
        params, problems = validate(service, opname, query, headers, body)
        entry["problems"] = problems
        oidc = service == "sso-oidc"
        if problems:
            self.refuse(Refused(400, "InvalidRequestException",
                                "; ".join(problems), oidc))
            return
        state = load_state()
        f = fault(state, path)
        if f is not None:
            save_state(state)
            self.refuse(Refused(f.get("status", 500),
                                f.get("type", "InternalServerException"),
                                "injected fault", oidc))
            return
        try:
            doc = (create_token if oidc else get_role_credentials)(state,
                                                                  params)
        except Refused as e:
            self.refuse(e)
            return
        save_state(state)
        self.reply(200, doc)

    do_GET = do_POST = do_PUT = handle_any


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--state", required=True)
    ARGS = ap.parse_args()
    HTTPServer(("127.0.0.1", ARGS.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
