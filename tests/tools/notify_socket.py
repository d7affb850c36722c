#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The receiving end of systemd's notify protocol, for tests on machines
without systemd as PID 1: binds an AF_UNIX datagram socket at PATH and
appends each message to LOG as one line, "SECONDS MSG", the message's
newlines shown as '|' and SECONDS on the monotonic clock.

  notify_socket.py PATH LOG"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(log, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        f.write("%.3f %s\n" % (time.monotonic(), msg.replace("\n", "|")))
