#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A real HTTP receiver for torwatch's HTTP alert sinks. Every POST is
answered as the file DIR/mode says at that moment: "ok" (200), a status
code ("500", "400"), "hang" (no answer for 30 s) or "reset" (the
connection is closed with a TCP reset, no answer). Each request is logged
to DIR/requests.jsonl as {"path", "authorization", "content_type",
"x_headers", "body", "status"}; the port is written to DIR/port once the server listens."""
import json
import os
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            mode = open(os.path.join(DIR, "mode")).read().strip() or "ok"
        except OSError:
            mode = "ok"
        if mode == "hang":
            time.sleep(30)
            return
        if mode == "reset":
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        status = 200 if mode == "ok" else int(mode)
        with open(os.path.join(DIR, "requests.jsonl"), "a") as log:
            log.write(json.dumps({
                "path": self.path,
                "authorization": self.headers.get("Authorization", ""),
                "content_type": self.headers.get("Content-Type", ""),
                "x_headers": {k: v for k, v in self.headers.items()
                              if k.lower().startswith("x-")},
                "body": body.decode("utf-8", "replace"),
                "status": status,
            }) + "\n")
        reply = b'{"text":"Success","code":0}' if status == 200 else b'{"error":"test"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
