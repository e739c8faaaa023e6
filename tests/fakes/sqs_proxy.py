#!/usr/bin/python3
"""A validating proxy in front of moto's SQS (moto_server), for tests only.

moto implements the queue (visibility timeouts, receive counts, deletes);
this proxy checks what moto does not: every JSON 1.0 request is validated
against the SQS service model of python3-botocore (required and unknown
members, types, min, max, pattern, enum: botocore's ParamValidator and the
walk of nfw_server.py) and its SigV4 signature is recomputed with
botocore's signer; then it is passed to moto and moto's answer returned.
POST /_control injects faults ({"faults": [{"op", "status", "type",
"times"}]}). Every request is appended to the log as one JSON line.

usage: sqs_proxy.py --port N --moto URL --log FILE --secret KEY
"""
import argparse
import json
import os
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True    # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import botocore.session  # noqa: E402
from findings_server import Refused, check_signature, model_problems  # noqa: E402

TARGET = "AmazonSQS."
MODEL = botocore.session.get_session().get_service_model("sqs")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    lock = threading.Lock()
    faults = []
    log = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, data, ctype="application/x-amz-json-1.0"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def take_fault(self, op):
        for f in self.faults:
            if f.get("op", op) == op and f["times"] > 0:
                f["times"] -= 1
                return f
        return None

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_control":
            with self.lock:
                self.faults.extend(json.loads(raw).get("faults", []))
            return self.reply(200, b"{}")
        target = self.headers.get("X-Amz-Target", "")
        op = target[len(TARGET):] if target.startswith(TARGET) else target
        entry = {"Op": op, "Valid": True, "Problems": []}
        try:
            if self.headers.get("Content-Type") != \
                    "application/x-amz-json-1.0":
                raise Refused(400, "InvalidAction", "bad Content-Type")
            if op not in MODEL.operation_names:
                raise Refused(400, "InvalidAction", "unknown %r" % target)
            entry["Region"] = check_signature(self, raw, "sqs",
                                              self.args.secret)
            body = json.loads(raw)
            entry["Body"] = body
            problems = model_problems(MODEL.operation_model(op), body)
            if problems:
                entry["Problems"] = problems
                raise Refused(400, "InvalidParameterValue",
                              "; ".join(problems))
            with self.lock:
                fault = self.take_fault(op)
            if fault:
                raise Refused(fault.get("status", 400),
                              fault.get("type", "RequestThrottled"),
                              "injected fault")
            status, data = self.forward(raw)
        except Refused as e:
            if e.kind != "RequestThrottled":
                entry["Valid"] = False
            status = e.status
            data = json.dumps({"__type": "com.amazonaws.sqs#" + e.kind,
                               "message": e.message}).encode()
        entry["Status"] = status
        with self.lock:
            self.log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log.flush()
        self.reply(status, data)

    def forward(self, raw):
        req = urllib.request.Request(self.args.moto + "/", data=raw,
                                     method="POST")
        for h in ("Content-Type", "X-Amz-Target", "Authorization",
                  "X-Amz-Date"):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret", required=True)
    a = ap.parse_args()
    Handler.args = a
    Handler.log = open(a.log, "a")
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
