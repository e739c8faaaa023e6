#!/usr/bin/python3
# ddb_relay.py: a logging relay in front of a local DynamoDB stand-in
# (dynalite has no request log): every request is passed on unchanged to
# UPSTREAM and its answer passed back, and the operation it named (the
# X-Amz-Target after the dot, "PutItem") is appended to LOG, one per line,
# before it is passed on. Tests use it to see which calls reached the
# service, e.g. that a dry run made no write.
#   ddb_relay.py PORT UPSTREAM-URL LOG
import http.client
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
UP = urllib.parse.urlsplit(UPSTREAM)
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        with open(LOG, "a") as f:
            f.write(target.rpartition(".")[2] + "\n")
        conn = http.client.HTTPConnection(UP.hostname, UP.port, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP}
        conn.request("POST", self.path, body, headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Relay).serve_forever()
