#!/usr/bin/env python3
"""Holds N kept-alive HTTP connections to a server, for bench/sosd.sh.

Usage: keepalive.py URL N PIDS READY_FILE

Opens N connections to URL's host and port (from 127.0.0.2-127.0.0.251, so that no
per-address cap applies to the count), sends one GET of URL's path on each and reads every
answer, then writes "ready" to READY_FILE and keeps them open while the caller measures
(active load beside them) until READY_FILE is removed; then sends one more GET on every
connection and reads every answer again. Prints one line:

  KEEPALIVE n=N first_s=S again_s=S threads=T rss_kib=R

where threads and rss_kib are summed over PIDS (comma-separated) while all N were idle.
Exits non-zero if any answer is missing or not 200. Bounded: each round gives up after 120 s.
"""
import os
import re
import resource
import selectors
import socket
import sys
import time
import urllib.parse


def proc_status(pids, key):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    total += int(line.split()[1])
    return total


def round_trip(conns, request, limit=120.0):
    """Sends request on every connection; waits for one whole answer on each."""
    sel = selectors.DefaultSelector()
    pending = {}
    for c in conns:
        c.sendall(request)
        sel.register(c, selectors.EVENT_READ)
        pending[c] = b""
    statuses = []
    deadline = time.monotonic() + limit
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            c = key.fileobj
            data = c.recv(65536)
            if not data:
                raise SystemExit("a connection was closed before its answer")
            buf = pending[c] + data
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                pending[c] = buf
                continue
            m = re.search(rb"(?i)content-length:\s*(\d+)", buf[:head_end])
            length = int(m.group(1)) if m else 0
            if len(buf) < head_end + 4 + length:
                pending[c] = buf
                continue
            statuses.append(int(buf.split(b" ", 2)[1]))
            sel.unregister(c)
            del pending[c]
    sel.close()
    if pending:
        raise SystemExit(f"{len(pending)} connections got no answer within {limit} s")
    if any(s != 200 for s in statuses):
        raise SystemExit(f"answers other than 200: {sorted(set(statuses))}")


def main():
    url, n, pids, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    u = urllib.parse.urlsplit(url)
    request = f"GET {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\n\r\n".encode()
    conns = []
    for i in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((f"127.0.0.{2 + i % 250}", 0))
        c.connect((u.hostname, u.port))
        conns.append(c)
    t0 = time.monotonic()
    round_trip(conns, request)
    first = time.monotonic() - t0
    time.sleep(3)  # idle: let the server settle (threads parked or gone)
    threads = proc_status(pids, "Threads:")
    rss = proc_status(pids, "VmRSS:")
    with open(ready, "w") as f:
        f.write("ready\n")
    deadline = time.monotonic() + 600
    while os.path.exists(ready) and time.monotonic() < deadline:
        time.sleep(0.1)
    t1 = time.monotonic()
    round_trip(conns, request)
    again = time.monotonic() - t1
    for c in conns:
        c.close()
    print(f"KEEPALIVE n={n} first_s={first:.2f} again_s={again:.2f} threads={threads} "
          f"rss_kib={rss}")


if __name__ == "__main__":
    main()
