#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A DNS server that answers every query with one TXT record of SIZE bytes:
a resolver's large but ordinary answers (DNSSEC, SPF) for the tunnel tests.

  dns_answer.py ADDR SIZE"""
import socket
import sys

addr, size = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12:
        continue
    # Header: the query's id, QR=1 RD RA, one question, one answer.
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    question = q[12:end + 5]
    txt = b""
    left = size
    while left > 0:
        chunk = min(255, left)
        txt += bytes([chunk]) + b"x" * chunk
        left -= chunk
    answer = b"\xc0\x0c" + b"\x00\x10\x00\x01" + b"\x00\x00\x00\x3c" + len(txt).to_bytes(2, "big") + txt
    s.sendto(q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question + answer, peer)
