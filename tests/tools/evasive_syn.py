#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Sends a TCP SYN the way a filter evader would, as raw Ethernet frames, and
says whether the target answered with a SYN-ACK (within a second):

  evasive_syn.py IFACE DST_MAC SRC DST PORT frag4   # the SYN in two IPv4
        fragments, the first holding 8 bytes of the TCP header
  evasive_syn.py IFACE DST_MAC SRC DST PORT dstopts6  # an IPv6 SYN behind
        7 Destination Options headers

Prints "synack" or "none"."""
import socket
import struct
import sys
import time

iface, dst_mac, src, dst, port, how = sys.argv[1:7]
port = int(port)
sport = 40000 + int(time.time()) % 20000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_syn(pseudo):
    hdr = struct.pack("!HHIIBBHHH", sport, port, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((iface, 0))
src_mac = s.getsockname()[4]
dmac = bytes.fromhex(dst_mac.replace(":", ""))
frames = []
if how == "frag4":
    sa, da = socket.inet_aton(src), socket.inet_aton(dst)
    seg = tcp_syn(sa + da + struct.pack("!BBH", 0, 6, 20))
    ident = sport
    for off, part, more in ((0, seg[:8], 1), (1, seg[8:], 0)):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), ident,
                         (more << 13) | off, 64, 6, 0, sa, da)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frames.append(dmac + src_mac + b"\x08\x00" + ip + part)
    want_family = 0x0800
else:
    sa, da = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    seg = tcp_syn(sa + da + struct.pack("!I3xB", 20, 6))
    ext = b"".join(bytes([60 if i < 6 else 6, 0, 1, 4, 0, 0, 0, 0]) for i in range(7))
    ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(seg), 60, 64, sa, da)
    frames.append(dmac + src_mac + b"\x86\xdd" + ip6 + ext + seg)
    want_family = 0x86DD
for f in frames:
    s.send(f)
s.settimeout(0.2)
end = time.time() + 1.0
seen = "none"
while time.time() < end and seen == "none":
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if struct.unpack("!H", f[12:14])[0] != want_family:
        continue
    if want_family == 0x0800:
        ihl = (f[14] & 0xF) * 4
        proto, tcp = f[23], f[14 + ihl:]
    else:
        proto, tcp = f[20], f[54:]
    if proto == 6 and len(tcp) >= 14 and struct.unpack("!HH", tcp[:4]) == (port, sport) \
            and tcp[13] & 0x12 == 0x12:
        seen = "synack"
print(seen)
