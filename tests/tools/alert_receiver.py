#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A real HTTP receiver for torwatch's HTTP alert sinks. Every POST is
answered as the file DIR/mode says at that moment: "ok" (200), a status
code ("500", "400"), "slow:MS" (logged at once, then 200 after MS
milliseconds), "hang" (no answer for 30 s), "reset" (the
connection is closed with a TCP reset, no answer) or "bulk": Elasticsearch
_bulk as a real cluster answers it, item by item (200 with "errors" and a
status per item): 409 for an _id it already holds (DIR/es_ids), 400 for a
document whose rule.id is in DIR/reject, 429 while DIR/throttle counts
down, else 201. Each request is logged
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


def read_lines(name):
    try:
        return open(os.path.join(DIR, name)).read().split()
    except OSError:
        return []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def bulk(self, body):
        lines = body.decode().splitlines()
        have, reject = set(read_lines("es_ids")), set(read_lines("reject"))
        throttle = int((read_lines("throttle") or ["0"])[0])
        items = []
        for action, doc in zip(lines[0::2], lines[1::2]):
            _id = json.loads(action)["create"].get("_id")
            rule = json.loads(doc).get("rule", {}).get("id")
            if _id in have:
                item = {"status": 409, "error": {"type": "version_conflict_engine_exception"}}
            elif rule in reject:
                item = {"status": 400, "error": {"type": "mapper_parsing_exception"}}
            elif throttle > 0:
                throttle -= 1
                item = {"status": 429, "error": {"type": "es_rejected_execution_exception"}}
            else:
                have.add(_id)
                with open(os.path.join(DIR, "es_ids"), "a") as f:
                    f.write(_id + "\n")
                item = {"status": 201}
            item["_id"] = _id
            items.append({"create": item})
        with open(os.path.join(DIR, "throttle"), "w") as f:
            f.write(str(throttle))
        with open(os.path.join(DIR, "requests.jsonl"), "a") as log:
            log.write(json.dumps({"path": self.path, "body": body.decode(), "status": 200,
                                  "items": [i["create"]["status"] for i in items]}) + "\n")
        reply = json.dumps({"took": 1, "errors": any(i["create"]["status"] >= 300 for i in items),
                            "items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

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
        if mode == "bulk":
            self.bulk(body)
            return
        delay = 0
        if mode.startswith("slow:"):
            mode, delay = "ok", int(mode[5:]) / 1000
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
        time.sleep(delay)
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
