#!/usr/bin/env python3
"""loadpeer.py - a hostile peer for the load tests (t0028): it opens many
connections to a county server from one loopback address and holds them.

  loadpeer.py stall --port P --ca CA --source ADDR --count N
              [--length BYTES] [--send BYTES] [--token TOKEN]
              --report FILE --stop FILE [--hold SECONDS]
      TLS connections that each POST /v1/sync announcing --length bytes
      (default 4 MiB), send --send of them (default 64 KiB) and stall.
  loadpeer.py idle --port P --source ADDR --count N --report FILE --stop FILE
      plain TCP connections that never start TLS.

When every connection has been tried, it writes FILE (JSON: how many were
opened, refused at connect or handshake, and the HTTP statuses answered on
them within two seconds) and holds what is open until --stop FILE exists
or --hold seconds (default 60) pass, then closes all and exits. Bounded:
N connections, each attempt with a 5 s timeout. Loopback only: it refuses
any address outside 127.0.0.0/8.
"""
import argparse, json, os, select, socket, ssl, sys, time


def loopback(addr):
    return addr.startswith("127.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["stall", "idle"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca")
    ap.add_argument("--source", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--length", type=int, default=4 << 20)
    ap.add_argument("--send", type=int, default=64 << 10)
    ap.add_argument("--token")
    ap.add_argument("--report", required=True)
    ap.add_argument("--stop", required=True)
    ap.add_argument("--hold", type=float, default=60)
    a = ap.parse_args()
    if not loopback(a.source):
        sys.exit("loadpeer: only loopback sources")
    ctx = None
    if a.mode == "stall":
        ctx = ssl.create_default_context(cafile=a.ca)
        ctx.check_hostname = False
    held, refused, statuses = [], 0, {}
    head = ("POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-ndjson\r\nContent-Encoding: zstd\r\n"
            "Content-Length: %d\r\n" % a.length)
    if a.token:
        head += "Authorization: Bearer %s\r\n" % a.token
    head = (head + "\r\n").encode()
    body = b"\0" * a.send
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.bind((a.source, 0))
            s.connect(("127.0.0.1", a.port))
            if ctx is not None:
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
                s.sendall(head)
                s.sendall(body)
            held.append(s)
        except (OSError, ssl.SSLError):
            refused += 1
            s.close()
    # The answers the server gave at once (401, 413, 503...).
    deadline = time.time() + 2
    answered = set()
    while time.time() < deadline and ctx is not None:
        left = [s for s in held if s not in answered]
        if not left:
            break
        r, _, _ = select.select(left, [], [], 0.2)
        for s in r:
            try:
                s.setblocking(False)
                data = s.recv(64)
                status = data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "closed"
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except (OSError, ssl.SSLError, IndexError):
                status = "closed"
            statuses[status] = statuses.get(status, 0) + 1
            answered.add(s)
    report = {"tried": a.count, "opened": len(held), "refused": refused,
              "answered": statuses, "holding": len(held) - len(answered)}
    tmp = a.report + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f)
    os.rename(tmp, a.report)
    end = time.time() + a.hold
    while time.time() < end and not os.path.exists(a.stop):
        time.sleep(0.1)
    for s in held:
        try:
            s.close()
        except OSError:
            pass


main()
