#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A real HTTP(S) server for torwatch's feed tests: serves exit-list fixtures
from a directory, and the faults a feed can have.

  /f/NAME              the file DIR/NAME, with ETag and Last-Modified; answers
                       If-None-Match with 304; gzip when the client asks
  /status/CODE         that status with a short body
  /hang                reads the request and never answers
  /drip                a valid list, one line a second, for ever
  /truncated           promises 10000 bytes, sends 100, closes
  /big/N               N bytes of valid list
  /ratelimit/CODE      dan.me.uk's refusal text with status CODE

Requests are logged to LOG as JSON lines (path, proxy form, headers), so that
tests can see what torwatch sent. A request in absolute form
("GET http://host/path") is served too: that is this server acting as a
proxy. The port is written to PORTFILE once the server listens.
"""
import argparse
import gzip
import hashlib
import json
import os
import ssl
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

RATE_LIMIT = b"Umm... You can only fetch the data every 30 minutes - sorry.  It's pointless any faster as I only update every 30 minutes anyway.\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, path, proxied):
        entry = {
            "t": time.time(),
            "path": path,
            "proxied": proxied,
            "user_agent": self.headers.get("User-Agent", ""),
            "accept_encoding": self.headers.get("Accept-Encoding", ""),
            "if_none_match": self.headers.get("If-None-Match", ""),
            "if_modified_since": self.headers.get("If-Modified-Since", ""),
        }
        # One write() per line on an O_APPEND descriptor: readers see whole lines.
        with self.server.log_lock:
            fd = os.open(self.server.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (json.dumps(entry) + "\n").encode())
            finally:
                os.close(fd)

    def send_body(self, code, body, extra=()):
        gz = "gzip" in self.headers.get("Accept-Encoding", "") and code == 200
        if gz:
            body = gzip.compress(body)
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        proxied = self.path.startswith("http://")
        path = urlsplit(self.path).path + (("?" + urlsplit(self.path).query) if urlsplit(self.path).query else "")
        self.record(path, proxied)
        parts = path.strip("/").split("/")
        try:
            getattr(self, "route_" + parts[0].replace("-", "_"))(parts[1:])
        except AttributeError:
            self.send_body(404, b"no such route\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route_f(self, args):
        name = os.path.basename("/".join(args).split("?")[0])
        try:
            with open(os.path.join(self.server.root, name), "rb") as f:
                body = f.read()
            mtime = os.path.getmtime(os.path.join(self.server.root, name))
        except OSError:
            self.send_body(404, b"not found\n")
            return
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(200, body, [("ETag", etag), ("Last-Modified", formatdate(mtime, usegmt=True))])

    def route_status(self, args):
        self.send_body(int(args[0]), b"status %s\n" % args[0].encode())

    def route_ratelimit(self, args):
        self.send_body(int(args[0]) if args else 200, RATE_LIMIT)

    def route_hang(self, args):
        time.sleep(3600)

    def route_drip(self, args):
        # No length: the body ends when the connection does, which is never.
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for i in range(3600):
            self.wfile.write(b"192.0.2.%d\n" % (i % 250 + 1))
            self.wfile.flush()
            time.sleep(1)

    def route_truncated(self, args):
        body = b"".join(b"192.0.2.%d\n" % i for i in range(1, 11))[:100]
        self.send_response(200)
        self.send_header("Content-Length", "10000")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def route_big(self, args):
        n = int(args[0])
        line = b"198.51.100.1\n"
        body = (line * (n // len(line) + 1))[:n]
        # Not gzip: the limit must be seen on the wire as well.
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.root, srv.log, srv.log_lock = a.root, a.log, threading.Lock()
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.portfile)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
