#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""UDP at a steady pace, and a counter of what arrives.

  udp_pace.py send SRC DST PORT COUNT INTERVAL_MS   exactly COUNT datagrams
  udp_pace.py count PORT FILE                       counts into FILE until killed

The sender paces itself so that a daemon can be killed and restarted while
its packets are in flight; the counter rewrites FILE after every datagram."""
import socket
import sys
import time


def send(src, dst, port, count, interval_ms):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 0))
    t = time.monotonic()
    for i in range(count):
        while True:
            try:
                s.sendto(b"x" * 32, (dst, port))
                break
            except BlockingIOError:
                time.sleep(0.001)
        t += interval_ms / 1000.0
        time.sleep(max(0.0, t - time.monotonic()))


def count(port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    n = 0
    with open(path, "w") as f:
        f.write("0\n")
    while True:
        s.recv(2048)
        n += 1
        with open(path, "w") as f:
            f.write("%d\n" % n)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
    elif sys.argv[1] == "count":
        count(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: udp_pace.py send SRC DST PORT COUNT INTERVAL_MS | count PORT FILE")
