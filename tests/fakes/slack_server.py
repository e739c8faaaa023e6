#!/usr/bin/python3
"""slack_server.py: a local stand-in for a Slack incoming webhook (tests only).

Listens on 127.0.0.1, accepts POSTs to one secret path, checks each payload
against Slack's documented limits and answers like Slack does (plain-text
codes). Every request is logged as a JSON line so tests can check what
reached "Slack" and when.

  slack_server.py --port N --log L [--path P] [--script S] [--port-file F]

--script is a comma-separated list of answers used in turn for valid
requests (then 200 ok): 200, 400, 403, 404, 410, 500, 429/SECS (with
Retry-After: SECS), hang/SECS (answer 200 after SECS seconds).
A payload that breaks a limit gets 400 invalid_payload whatever the script.
"""
import argparse
import json
import os
import re
import sys
import time
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REASONS = {
    200: "ok",
    400: "invalid_payload",
    403: "action_prohibited",
    404: "no_service",
    410: "channel_is_archived",
    500: "rollup_error",
}

# Slack's limits (Block Kit reference; incoming webhooks).
MAX_TEXT = 40000
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_CONTEXT = 10
MAX_BLOCK_TEXT = 13000  # msg_blocks_too_long, reported around 13k

LINK = re.compile(r"<(https?://[^|<>\s]+)(\|[^<>]*)?>|<[!@#][^<>]*>")


def check_mrkdwn(s, where, errors):
    rest = LINK.sub("", s)
    if "<" in rest or ">" in rest:
        errors.append("%s: unescaped < or >" % where)
    if re.search(r"&(?!amp;|lt;|gt;)", rest):
        errors.append("%s: unescaped &" % where)


def check_text_obj(t, limit, where, errors, plain_only=False):
    if not isinstance(t, dict) or not isinstance(t.get("text"), str):
        errors.append("%s: not a text object" % where)
        return 0
    kind = t.get("type")
    if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
        errors.append("%s: bad text type %r" % (where, kind))
    if len(t["text"]) > limit:
        errors.append("%s: %d characters > %d" % (where, len(t["text"]), limit))
    if len(t["text"]) == 0:
        errors.append("%s: empty text" % where)
    if kind == "mrkdwn":
        check_mrkdwn(t["text"], where, errors)
    return len(t["text"])


def check_payload(p):
    errors = []
    if not isinstance(p, dict):
        return ["payload is not an object"]
    text = p.get("text")
    if not isinstance(text, str) or not text:
        errors.append("no text fallback")
    else:
        if len(text) > MAX_TEXT:
            errors.append("text longer than %d" % MAX_TEXT)
        check_mrkdwn(text, "text", errors)
    blocks = p.get("blocks")
    if blocks is None:
        return errors
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= MAX_BLOCKS:
        return errors + ["blocks: 1 to %d required" % MAX_BLOCKS]
    total = 0
    for i, b in enumerate(blocks):
        where = "blocks[%d]" % i
        kind = b.get("type") if isinstance(b, dict) else None
        if kind == "header":
            total += check_text_obj(b.get("text"), MAX_HEADER, where, errors, True)
        elif kind == "section":
            if "text" not in b and "fields" not in b:
                errors.append(where + ": section without text or fields")
            if "text" in b:
                total += check_text_obj(b["text"], MAX_SECTION, where, errors)
            if "fields" in b:
                f = b["fields"]
                if not isinstance(f, list) or not 1 <= len(f) <= MAX_FIELDS:
                    errors.append(where + ": 1 to %d fields" % MAX_FIELDS)
                else:
                    for j, t in enumerate(f):
                        total += check_text_obj(t, MAX_FIELD, "%s.fields[%d]" % (where, j), errors)
        elif kind == "context":
            e = b.get("elements")
            if not isinstance(e, list) or not 1 <= len(e) <= MAX_CONTEXT:
                errors.append(where + ": 1 to %d elements" % MAX_CONTEXT)
            else:
                for j, t in enumerate(e):
                    total += check_text_obj(t, MAX_SECTION, "%s.elements[%d]" % (where, j), errors)
        elif kind != "divider":
            errors.append("%s: unknown block type %r" % (where, kind))
    if total > MAX_BLOCK_TEXT:
        errors.append("blocks: %d characters in all, more than %d" % (total, MAX_BLOCK_TEXT))
    return errors


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def answer(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the client gave up (a timeout test)

    def do_GET(self):
        self.answer(400, "invalid_payload")

    def do_POST(self):
        srv = self.server
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        with srv.lock:
            code, extra, entry = self.decide(raw)
            with open(srv.logfile, "a") as f:
                f.write(json.dumps(entry) + "\n")
        if "hung" in entry:
            time.sleep(entry["hung"])
        if code == 429:
            self.answer(429, '{"ok":false,"error":"rate_limited"}', extra)
        else:
            self.answer(code, REASONS.get(code, "error"), extra)

    def decide(self, raw):
        srv = self.server
        now = time.monotonic()
        entry = {"t": now, "path_ok": self.path == srv.path,
                 "content_type": self.headers.get("Content-Type"),
                 "body": raw, "errors": []}
        if srv.last is not None:
            entry["gap"] = round(now - srv.last, 3)
        srv.last = now
        if self.path != srv.path:
            code, extra = 404, []
        else:
            try:
                payload = json.loads(raw)
                entry["errors"] = check_payload(payload)
            except ValueError as e:
                entry["errors"] = ["not JSON: %s" % e]
            if entry["content_type"] != "application/json":
                entry["errors"].append("content type %r" % entry["content_type"])
            code, extra = 200, []
            if entry["errors"]:
                code = 400
            elif srv.script:
                step = srv.script.pop(0)
                word, _, arg = step.partition("/")
                if word == "hang":
                    entry["hung"] = float(arg)
                    code = 200
                elif word == "429":
                    code, extra = 429, [("Retry-After", arg or "1")]
                else:
                    code = int(word)
        entry["status"] = code
        return code, extra, entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log", required=True)
    ap.add_argument("--path", default="/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
    ap.add_argument("--script", default="")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.path = a.path
    srv.logfile = a.log
    srv.script = [s for s in a.script.split(",") if s]
    srv.last = None
    open(a.log, "a").close()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
