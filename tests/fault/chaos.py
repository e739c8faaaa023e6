#!/usr/bin/python3
# chaos.py: a local HTTP(S) server that misbehaves on purpose, for the fault
# injection tests. Listens on 127.0.0.1:PORT and appends one line per
# request ("METHOD PATH") to LOG.
#   chaos.py PORT LOG MODE [CERT KEY]
# MODE:
#   reset      read the request, then reset the connection (RST)
#   hang       read the request, never answer
#   truncated  promise 100 bytes of JSON, send 7, close
#   nonjson    200 with an HTML body
#   500 503    that status, with an AWS JSON error body
#   throttle   400 ThrottlingException (AWS JSON), with Retry-After: 0
#   slow429    429 with Retry-After: 1 (Slack's rate limit)
#   ok         200 "{}" (with CERT and KEY: over TLS, self-signed)
import os
import socket
import socketserver
import ssl
import struct
import sys
import time

PORT, LOG, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
CERT = sys.argv[4] if len(sys.argv) > 5 else None
KEY = sys.argv[5] if len(sys.argv) > 5 else None

BODIES = {
    "500": (500, b'{"__type":"InternalServerError","message":"chaos: 500"}'),
    "503": (503, b'{"__type":"ServiceUnavailable","message":"chaos: 503"}'),
    "throttle": (400, b'{"__type":"com.amazonaws.dynamodb.v20120810#'
                 b'ThrottlingException","message":"Rate exceeded"}'),
    "slow429": (429, b'rate limited'),
    "ok": (200, b"{}"),
}


def read_request(f):
    line = f.readline(65536)
    if not line:
        return None
    length = 0
    while True:
        h = f.readline(65536)
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    if length:
        f.read(length)
    with open(LOG, "a") as log:
        parts = line.decode("latin-1").split()
        log.write("%s %s\n" % (parts[0] if parts else "?",
                               parts[1] if len(parts) > 1 else "?"))
    return line


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            if read_request(self.rfile) is None:
                return
            if MODE == "reset":
                self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                self.request.close()
                return
            if MODE == "hang":
                time.sleep(3600)
                return
            if MODE == "truncated":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: "
                                 b"application/x-amz-json-1.0\r\n"
                                 b"Content-Length: 100\r\n\r\n{\"Trunc")
                self.wfile.flush()
                return
            if MODE == "nonjson":
                status, body, ctype = 200, b"<html>chaos</html>", b"text/html"
            else:
                status, body = BODIES[MODE]
                ctype = b"application/x-amz-json-1.0"
            extra = b""
            if MODE == "throttle":
                extra = b"Retry-After: 0\r\n"
            if MODE == "slow429":
                extra = b"Retry-After: 1\r\n"
            self.wfile.write(b"HTTP/1.1 %d chaos\r\nContent-Type: %s\r\n"
                             b"Content-Length: %d\r\n%s\r\n" %
                             (status, ctype, len(body), extra) + body)
            self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", PORT), Handler)
if CERT:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(LOG, "a").close()
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
