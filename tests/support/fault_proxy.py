#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of a real S3 server, for client tests.

Forwards each request unchanged to the upstream server (one request per
connection: it answers with "Connection: close"), except where told to fail:
  --slowdown N      answer the first N requests with 503 SlowDown
  --drop N          close the first N connections without any answer
  --cut-get BYTES   for the first GET whose body is longer than BYTES, send the
                    headers and BYTES of the body, then reset the connection
  --delay SECONDS   wait before answering every request
Prints "PORT" on stdout once listening on 127.0.0.1 (port 0 = pick a free one),
and counts requests in --log (one line per request: method path status).
"""
import argparse
import os
import socket
import sys
import threading
import time

SLOWDOWN = (b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s")
SLOWDOWN_BODY = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                 b"<Message>Please reduce your request rate.</Message></Error>")


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name:
            return v.strip()
    return None


def read_exact(sock, n, already=b""):
    data = already
    while len(data) < n:
        chunk = sock.recv(min(1 << 20, n - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def read_chunked(sock, rest):
    # Pass aws-chunked / chunked bodies through by reading until the last chunk.
    data = rest
    while not data.endswith(b"0\r\n\r\n") and b"\r\n0\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class Proxy:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.cut_done = False
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def serve(self, client):
        try:
            self.handle(client)
        except OSError:
            pass
        finally:
            client.close()

    def handle(self, client):
        head, rest = read_head(client)
        if head is None:
            return
        with self.lock:
            self.count += 1
            n = self.count
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method = request_line.split(" ", 1)[0]
        if self.args.delay:
            time.sleep(self.args.delay)
        if header(head, b"expect") == b"100-continue":
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        length = header(head, b"content-length")
        if header(head, b"transfer-encoding") == b"chunked":
            body = read_chunked(client, rest)
        else:
            body = read_exact(client, int(length or 0), rest)
        if n <= self.args.drop:
            self.note(request_line, "dropped")
            return
        if n <= self.args.drop + self.args.slowdown:
            self.note(request_line, 503)
            client.sendall(SLOWDOWN % (len(SLOWDOWN_BODY), SLOWDOWN_BODY))
            return
        lines = [l for l in head.split(b"\r\n")
                 if l.split(b":", 1)[0].strip().lower() not in (b"connection", b"expect")]
        upstream = socket.create_connection(("127.0.0.1", self.args.upstream), timeout=60)
        upstream.sendall(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body)
        response = b""
        while True:
            chunk = upstream.recv(1 << 20)
            if not chunk:
                break
            response += chunk
        upstream.close()
        status = response.split(b" ", 2)[1].decode() if response else "?"
        rhead, _, rbody = response.partition(b"\r\n\r\n")
        with self.lock:
            cut = (method == "GET" and self.args.cut_get is not None and not self.cut_done
                   and len(rbody) > self.args.cut_get)
            if cut:
                self.cut_done = True
        if cut:
            self.note(request_line, "cut")
            client.sendall(rhead + b"\r\n\r\n" + rbody[:self.args.cut_get])
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return
        # Log before answering: a test reads the log as soon as its call returns.
        self.note(request_line, status)
        client.sendall(response)

    def note(self, request_line, outcome):
        if self.log:
            self.log.write("%s %s\n" % (request_line.rsplit(" ", 1)[0], outcome))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", type=int, required=True, help="upstream port on 127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--slowdown", type=int, default=0)
    p.add_argument("--drop", type=int, default=0)
    p.add_argument("--cut-get", type=int, default=None)
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--log")
    p.add_argument("--port-file", help="also write the port here (atomically)")
    args = p.parse_args()
    proxy = Proxy(args)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen(64)
    port = server.getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    else:
        print(port, flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=proxy.serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
