#!/usr/bin/python3
"""iam-relay.py: a logging relay in front of an AWS stand-in, for tests
only. Forwards every request to UPSTREAM unchanged and appends the AWS
action it called to LOG, one per line as "service:Action" (from the
X-Amz-Target header of the JSON protocols, or the Action of the query
protocol). dynalite keeps no request log; this is its log.

usage: iam-relay.py PORT UPSTREAM-URL LOG
"""
import http.client
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
UP = urllib.parse.urlsplit(UPSTREAM)
PREFIX = {"DynamoDB_20120810": "dynamodb",
          "NetworkFirewall_20201112": "network-firewall"}


def action(headers, body):
    target = headers.get("X-Amz-Target", "")
    if "." in target:
        api, op = target.split(".", 1)
        return "%s:%s" % (PREFIX.get(api, api), op)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if "Action" in form:
        return "query:" + form["Action"][0]
    return "unknown:" + headers.get("Host", "")


class Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with open(LOG, "a") as f:
            f.write(action(self.headers, body) + "\n")
        conn = http.client.HTTPConnection(UP.hostname, UP.port, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection",)}
        conn.request("POST", self.path, body, headers)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding",
                                 "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()


ThreadingHTTPServer(("127.0.0.1", PORT), Relay).serve_forever()
