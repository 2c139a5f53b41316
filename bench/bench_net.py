"""Capture parsing speed and memory: howsafe vs a dpkt-based reference vs scapy, in one run.

The capture is generated here, synthetically, in pure Python (no packet is sent anywhere): phone-like
sessions of a DNS query/answer, a TCP handshake, a TLS ClientHello with SNI (or an HTTP request with
a Host header), bulk data both ways and a FIN, from a private client address to public server
addresses (the file is only written: nothing is sent anywhere). Every tool extracts the same
things: DNS answers, SNI per flow, HTTP Host per flow and per-flow bytes in each direction.
howsafe's and dpkt's outputs are asserted identical (digest);
scapy (its own DNS, TLS and HTTP layers) runs on a smaller capture (it is ~100x slower) and is
compared against howsafe on that file.

Each measurement runs in its own child process so that its peak RSS (``ru_maxrss`` via
``os.wait4``) is its own. howsafe also runs on a capture with the same sessions but a quarter of
the bytes: peak RSS follows the number of flows (the flow table), not the size of the file.

    python bench/bench_net.py                 # 400 MB capture (+ same flows, 1/4 bytes), scapy on 20 MB
    python bench/bench_net.py --size-mb 100 --small-mb 5 --repeat 1

Needs ``dpkt`` and ``scapy`` (bench extras).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

Digest = dict[str, Any]

# --------------------------------------------------------------------------- generator

CLIENT = bytes([192, 168, 1, 23])
RESOLVER = bytes([192, 168, 1, 1])
MAC_A = bytes.fromhex("0c98385a41d7")
MAC_B = bytes.fromhex("28d1271c9e01")


def _ip4(src: bytes, dst: bytes, proto: int, payload: bytes) -> bytes:
    total = 20 + len(payload)
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, proto, 0, src, dst) + payload


def _tcp(sport: int, dport: int, flags: int, payload: bytes = b"") -> bytes:
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 1, 0x50, flags, 65535, 0, 0) + payload


def _udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def _eth(ip: bytes, outbound: bool) -> bytes:
    return (MAC_B + MAC_A if outbound else MAC_A + MAC_B) + b"\x08\x00" + ip


def _qname(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def _dns_query(ident: int, name: str) -> bytes:
    return struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0) + _qname(name) + b"\x00\x01\x00\x01"


def _dns_answer(ident: int, name: str, ips: list[bytes]) -> bytes:
    msg = struct.pack(">HHHHHH", ident, 0x8180, 1, len(ips), 0, 0) + _qname(name) + b"\x00\x01\x00\x01"
    for ip in ips:
        msg += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + ip
    return msg


def _client_hello(sni: str) -> bytes:
    name = sni.encode()
    sni_ext = struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    other = struct.pack(">HH", 0x002B, 3) + b"\x02\x03\x04" + struct.pack(">HH", 0x0033, 38) + b"\x00" * 38
    exts = sni_ext + other
    body = b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32) + b"\x00\x06\x13\x01\x13\x02\x13\x03" + b"\x01\x00"
    body += struct.pack(">H", len(exts)) + exts
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def generate(path: Path, size_mb: int, seed: int = 7, *, sessions_max: int = 0, data_div: int = 1) -> dict[str, int]:
    """Write a synthetic Ethernet pcap of about ``size_mb`` MB; returns counts.

    With ``sessions_max`` the file stops after that many sessions instead, and ``data_div`` divides
    the bulk packets per session: same flows, fewer bytes (to show memory follows flows, not bytes).
    """
    rnd = random.Random(seed)
    filler = bytes(rnd.getrandbits(8) for _ in range(4096))
    target = size_mb * 1_000_000
    ts = 1_763_083_200.0
    written = 24
    packets = sessions = 0
    hosts = [f"api{i}.svc{i % 97}.example.com" for i in range(2000)]
    out = path.open("wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    buf: list[bytes] = []

    def emit(frame: bytes) -> None:
        nonlocal ts, written, packets
        ts += 0.0003
        sec = int(ts)
        buf.append(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(frame), len(frame)) + frame)
        written += 16 + len(frame)
        packets += 1

    port = 30000
    while (sessions < sessions_max) if sessions_max else (written < target):
        sessions += 1
        host = hosts[rnd.randrange(len(hosts))]
        # public addresses (as in a real capture) so that the full analysis does its country lookups;
        # the file is only written, nothing is ever sent to them
        server = (
            bytes([161, 117, rnd.randrange(256), rnd.randrange(1, 255)])
            if rnd.random() < 0.5
            else bytes([8, 219, rnd.randrange(256), rnd.randrange(1, 255)])
        )
        port = 30000 + (port - 29999) % 30000
        ident = sessions & 0xFFFF
        emit(_eth(_ip4(CLIENT, RESOLVER, 17, _udp(port, 53, _dns_query(ident, host))), True))
        emit(_eth(_ip4(RESOLVER, CLIENT, 17, _udp(53, port, _dns_answer(ident, host, [server]))), False))
        port = 30000 + (port - 29999) % 30000
        http = rnd.random() < 0.1
        sport = 80 if http else 443
        emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x02)), True))
        emit(_eth(_ip4(server, CLIENT, 6, _tcp(sport, port, 0x12)), False))
        emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x10)), True))
        if http:
            req = f"POST /v1/stat?id={sessions} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 64\r\n\r\n".encode()
            emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x18, req + filler[:64])), True))
        else:
            emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x18, _client_hello(host))), True))
        for _ in range(rnd.randrange(10, 60) // data_div):
            n = rnd.randrange(1200, 1448)
            off = rnd.randrange(0, 4096 - n)
            emit(_eth(_ip4(server, CLIENT, 6, _tcp(sport, port, 0x10, filler[off : off + n])), False))
            if rnd.random() < 0.3:
                emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x10)), True))
            if rnd.random() < 0.1:
                m = rnd.randrange(100, 1400)
                emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x18, filler[:m])), True))
        emit(_eth(_ip4(CLIENT, server, 6, _tcp(port, sport, 0x11)), True))
        emit(_eth(_ip4(server, CLIENT, 6, _tcp(sport, port, 0x11)), False))
        if len(buf) > 4096:
            out.write(b"".join(buf))
            buf.clear()
    out.write(b"".join(buf))
    out.close()
    return {"bytes": written, "packets": packets, "sessions": sessions}


# --------------------------------------------------------------------------- digests


def _digest(
    flows: dict[tuple[str, str, int, str, int], tuple[int, int]],
    sni: dict[Any, str],
    host: dict[Any, str],
    answers: set[tuple[str, str]],
) -> Digest:
    h = hashlib.sha256()
    for k in sorted(flows):
        h.update(repr((k, flows[k], sni.get(k), host.get(k))).encode())
    for a in sorted(answers):
        h.update(repr(a).encode())
    return {
        "flows": len(flows),
        "sni": len(sni),
        "http": len(host),
        "answers": len(answers),
        "bytes": sum(u + d for u, d in flows.values()),
        "sha256": h.hexdigest(),
    }


# --------------------------------------------------------------------------- workers


def work_howsafe(path: Path, full: bool) -> Digest:
    from howsafe.net.collect import Collector, FileStats
    from howsafe.net.packets import PacketEngine
    from howsafe.net.pcapio import CaptureMeta, open_records

    if full:
        from howsafe.kb import KnowledgeBase
        from howsafe.net import analyse_captures

        r = analyse_captures([path], kb=KnowledgeBase.default())
        return {"hosts": len(r.hosts), "bytes": sum(f.ip_bytes for f in r.files)}
    c = Collector()
    stats = FileStats(str(path))
    meta = CaptureMeta()
    with path.open("rb") as fh:
        eng = PacketEngine(c, stats)
        eng.run(open_records(fh, meta))
        eng.finish()
    flows = {}
    sni = {}
    host = {}
    for f in c.flows:
        k = (f.proto, f.client, f.cport, f.server, f.sport)
        flows[k] = (f.up, f.down)
        if f.named_by == "sni":
            sni[k] = f.name
        elif f.named_by == "http":
            host[k] = f.name
    answers = {(n, ip) for n, acc in c.names.items() for ip in acc.answers}
    return _digest(flows, sni, host, answers)


def work_dpkt(path: Path) -> Digest:
    import socket

    import dpkt

    flows: dict[Any, list[int]] = {}
    index: dict[Any, tuple[Any, bool]] = {}
    named: set[Any] = set()
    sni: dict[Any, str] = {}
    host: dict[Any, str] = {}
    answers: set[tuple[str, str]] = set()
    with path.open("rb") as fh:
        for _ts, buf in dpkt.pcap.Reader(fh):
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
            if not isinstance(ip, dpkt.ip.IP):
                continue
            l4 = ip.data
            if isinstance(l4, dpkt.tcp.TCP):
                proto = "tcp"
            elif isinstance(l4, dpkt.udp.UDP):
                proto = "udp"
            else:
                continue
            src = socket.inet_ntop(socket.AF_INET, ip.src)
            dst = socket.inet_ntop(socket.AF_INET, ip.dst)
            fwd = (proto, src, l4.sport, dst, l4.dport)
            hit = index.get(fwd)
            if hit is None:
                syn_ack = proto == "tcp" and (l4.flags & 0x12) == 0x12
                key = (proto, dst, l4.dport, src, l4.sport) if syn_ack else fwd
                rev = (proto, key[3], key[4], key[1], key[2])
                index[(proto, key[1], key[2], key[3], key[4])] = (key, False)
                index[rev] = (key, True)
                flows[key] = [0, 0]
                hit = index[fwd]
            key, is_rev = hit
            flows[key][1 if is_rev else 0] += ip.len
            if proto == "udp" and l4.sport == 53:
                try:
                    msg = dpkt.dns.DNS(l4.data)
                except (dpkt.UnpackError, IndexError):
                    continue
                qname = msg.qd[0].name.lower() if msg.qd else None
                for rr in msg.an:
                    if rr.type == dpkt.dns.DNS_A and qname:
                        answers.add((qname, socket.inet_ntop(socket.AF_INET, rr.ip)))
            elif proto == "tcp" and not is_rev and l4.data and key not in named:
                data = l4.data
                if data[0] == 0x16:
                    try:
                        rec = dpkt.ssl.TLSRecord(data)
                        hs = dpkt.ssl.TLSHandshake(rec.data)
                    except (dpkt.UnpackError, dpkt.NeedData, IndexError, struct.error):
                        continue
                    if isinstance(hs.data, dpkt.ssl.TLSClientHello):
                        for etype, edata in hs.data.extensions:
                            if etype == 0:
                                n = struct.unpack(">H", edata[3:5])[0]
                                sni[key] = edata[5 : 5 + n].decode().lower()
                                named.add(key)
                elif data[:4] in (b"GET ", b"POST", b"PUT ", b"HEAD"):
                    try:
                        req = dpkt.http.Request(data)
                    except (dpkt.UnpackError, dpkt.NeedData):
                        continue
                    h = req.headers.get("host")
                    if h:
                        host[key] = h.split(":")[0].lower()
                        named.add(key)
    return _digest({k: (v[0], v[1]) for k, v in flows.items()}, sni, host, answers)


def work_scapy(path: Path) -> Digest:
    """The idiomatic scapy way: its own DNS, TLS and HTTP dissectors."""
    import logging

    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.layers.dns import DNS
    from scapy.layers.http import HTTPRequest
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.tls.extensions import TLS_Ext_ServerName
    from scapy.layers.tls.handshake import TLSClientHello
    from scapy.main import load_layer
    from scapy.utils import PcapReader

    load_layer("tls")

    flows: dict[Any, list[int]] = {}
    index: dict[Any, tuple[Any, bool]] = {}
    sni: dict[Any, str] = {}
    host: dict[Any, str] = {}
    answers: set[tuple[str, str]] = set()
    for pkt in PcapReader(str(path)):
        if IP not in pkt:
            continue
        ip = pkt[IP]
        if TCP in pkt:
            proto, l4 = "tcp", pkt[TCP]
        elif UDP in pkt:
            proto, l4 = "udp", pkt[UDP]
        else:
            continue
        fwd = (proto, ip.src, l4.sport, ip.dst, l4.dport)
        hit = index.get(fwd)
        if hit is None:
            syn_ack = proto == "tcp" and (int(l4.flags) & 0x12) == 0x12
            key = (proto, ip.dst, l4.dport, ip.src, l4.sport) if syn_ack else fwd
            index[key] = (key, False)
            index[(proto, key[3], key[4], key[1], key[2])] = (key, True)
            flows[key] = [0, 0]
            hit = index[fwd]
        key, is_rev = hit
        flows[key][1 if is_rev else 0] += ip.len
        if proto == "udp" and l4.sport == 53 and DNS in pkt:
            d = pkt[DNS]
            qname = d.qd[0].qname.decode().rstrip(".").lower() if d.qdcount else None
            for i in range(d.ancount):
                rr = d.an[i]
                if rr.type == 1 and qname:
                    answers.add((qname, rr.rdata))
        elif proto == "tcp" and not is_rev:
            if TLSClientHello in pkt:
                for ext in pkt[TLSClientHello].ext or []:
                    if isinstance(ext, TLS_Ext_ServerName) and ext.servernames:
                        sni[key] = ext.servernames[0].servername.decode().lower()
            elif HTTPRequest in pkt and pkt[HTTPRequest].Host:
                host[key] = pkt[HTTPRequest].Host.decode().split(":")[0].lower()
    return _digest({k: (v[0], v[1]) for k, v in flows.items()}, sni, host, answers)


# --------------------------------------------------------------------------- driver


def _preload(tool: str) -> None:
    if tool.startswith("howsafe"):
        import howsafe.net.analyse
        import howsafe.net.packets  # noqa: F401
    elif tool == "dpkt":
        import dpkt  # noqa: F401
    else:
        import scapy.layers.dns
        import scapy.layers.http
        import scapy.layers.inet
        import scapy.layers.tls.handshake
        import scapy.utils  # noqa: F401


def run_child(tool: str, path: Path) -> dict[str, Any]:
    """Run one worker in a child process; wall time and the child's own peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--worker", tool, str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"{tool} worker failed")
    result = json.loads(out)
    size = path.stat().st_size
    return {
        "tool": tool,
        "file_mb": round(size / 1e6, 1),
        "seconds": round(result["seconds"], 3),
        "wall_seconds": round(wall, 3),
        "mb_per_s": round(size / 1e6 / result["seconds"], 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "digest": result["digest"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=400)
    ap.add_argument("--small-mb", type=int, default=20, help="capture size for scapy (and its howsafe twin)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for howsafe and dpkt")
    ap.add_argument("--dir", type=Path, default=None, help="where to write the captures (default: a temp dir)")
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        tool, file = args.worker
        _preload(tool)  # module imports are not capture parsing: keep them out of the timing
        t0 = time.perf_counter()
        if tool == "howsafe":
            d = work_howsafe(Path(file), full=False)
        elif tool == "howsafe-full":
            d = work_howsafe(Path(file), full=True)
        elif tool == "dpkt":
            d = work_dpkt(Path(file))
        else:
            d = work_scapy(Path(file))
        print(json.dumps({"seconds": time.perf_counter() - t0, "digest": d}))
        return 0

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        big = Path(tmp) / "big.pcap"
        quarter = Path(tmp) / "quarter.pcap"
        small = Path(tmp) / "small.pcap"
        gen = {}
        for p, mb in ((big, args.size_mb), (small, args.small_mb)):
            t0 = time.perf_counter()
            gen[p.name] = generate(p, mb) | {"gen_seconds": round(time.perf_counter() - t0, 1)}
        # same sessions (so the same flows) as the big file, a quarter of the bulk packets
        gen[quarter.name] = generate(quarter, 0, sessions_max=gen[big.name]["sessions"], data_div=4)
        print(json.dumps({"generated": gen}), flush=True)

        def best(tool: str, path: Path) -> dict[str, Any]:
            runs = [run_child(tool, path) for _ in range(args.repeat)]
            return min(runs, key=lambda r: r["seconds"])

        rows = [
            best("howsafe", big),
            best("howsafe-full", big),
            best("dpkt", big),
            best("howsafe", quarter),
            best("howsafe", small),
            run_child("scapy", small),
        ]
        for r in rows:
            print(json.dumps({k: v for k, v in r.items() if k != "digest"}), flush=True)
        hs_big, _full_big, dpkt_big, hs_q, hs_small, scapy_small = rows
        assert hs_big["digest"] == dpkt_big["digest"], "howsafe and dpkt disagree"
        assert hs_small["digest"] == scapy_small["digest"], "howsafe and scapy disagree"
        summary = {
            "identical_to_dpkt": True,
            "identical_to_scapy_on_small": True,
            "digest": hs_big["digest"],
            "x_dpkt": round(hs_big["mb_per_s"] / dpkt_big["mb_per_s"], 2),
            "x_scapy": round(hs_big["mb_per_s"] / scapy_small["mb_per_s"], 1),
            "rss_mb_big_vs_same_flows_quarter_bytes": [hs_big["peak_rss_mb"], hs_q["peak_rss_mb"]],
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
