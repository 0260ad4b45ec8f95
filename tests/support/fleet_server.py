#!/usr/bin/env python3
"""An HTTPS server that behaves like the ones a fleet meets, for the firmware's tests.

It serves the files of --dir, and answers GET /NAME as the mode in --mode-file says (the file
is read at every request; a mode written again starts afresh):

  plain                 the file, or the Range asked for (206; 416 past its end)
  redirect N            a chain of N redirects (301, 302, 303, 307, 308 in turn; Locations
                        absolute, relative and scheme-relative in turn) to /files/NAME, served
                        as in plain mode
  redirect-http         a 302 to http://HOST:HTTP_PORT/NAME (the plain listener, --http-port)
  redirect-loop         redirects that never end
  ignore-range [CUT]    200 and the whole file for every request, Range or not; the first
                        answer is cut after CUT bytes (default: not cut)
  trickle-once [MS]     the first answer sends one byte every MS ms (default 2000); the others
                        are served as in plain mode
  long-length EXTRA [S] Content-Length says EXTRA bytes more than the file has; the file is sent
                        and the connection held S seconds (default 30) before it closes
  chunked [SIZE]        Transfer-Encoding: chunked, chunks of SIZE bytes (default 1000)
  cut N                 the first answer is cut after N bytes; then as in plain mode
  status CODE           that HTTP status, no body

Each request is a line of --log: "GET /path scheme=<https|http> range=<Range or -> status=<code>
sent=<bytes>".
Prints "serving on PORT" once it listens (--port 0 picks a free port).
"""
import argparse
import os
import socket
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIRECT_CODES = (301, 302, 303, 307, 308)


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.mode_text = None
        self.requests = 0  # of the file, since the mode was set

    def mode(self):
        """The mode's words, and how many file requests came before this one under it (a mode
        file written again, the same words or not, is a new mode)."""
        try:
            with open(self.args.mode_file) as f:
                st = os.fstat(f.fileno())
                text = f.read().strip() or "plain"
            ident = (text, st.st_ino, st.st_mtime_ns)
        except OSError:
            text, ident = "plain", None
        with self.lock:
            if ident != self.mode_text:
                self.mode_text = ident
                self.requests = 0
            return text.split(), self.requests

    def count(self):
        with self.lock:
            self.requests += 1

    def log(self, line):
        with self.lock:
            with open(self.args.log, "a") as f:
                f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fleet_server"

    def log_message(self, fmt, *args):
        pass

    def record(self, status, sent):
        rng = self.headers.get("Range") or "-"
        scheme = "https" if self.server.context else "http"
        self.server.state.log(f"GET {self.path} scheme={scheme} range={rng} status={status} "
                              f"sent={sent}")

    def head(self, status, headers, length=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def answer_status(self, status, headers=()):
        self.head(status, list(headers), 0)
        self.record(status, 0)

    def file_bytes(self, name):
        path = os.path.join(self.server.state.args.dir, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def send_body(self, status, data, cut=None):
        sent = 0
        try:
            end = len(data) if cut is None else min(cut, len(data))
            while sent < end:
                n = min(16384, end - sent)
                self.wfile.write(data[sent:sent + n])
                sent += n
            self.wfile.flush()
        except OSError:
            pass
        self.record(status, sent)
        if cut is not None and cut < len(data):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve_plain(self, data, cut=None):
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            first_s, _, last_s = rng[6:].partition("-")
            first = int(first_s)
            last = int(last_s) if last_s else len(data) - 1
            last = min(last, len(data) - 1)
            if first >= len(data) or first > last:
                self.answer_status(416, [("Content-Range", f"bytes */{len(data)}")])
                return
            self.head(206, [("Content-Range", f"bytes {first}-{last}/{len(data)}")],
                      last - first + 1)
            self.send_body(206, data[first:last + 1], cut)
            return
        self.head(200, [("Content-Type", "application/octet-stream")], len(data))
        self.send_body(200, data, cut)

    def do_GET(self):
        state = self.server.state
        words, before = state.mode()
        mode = words[0]
        path = self.path
        if path.startswith("/files/"):
            data = self.file_bytes(path[7:])
            return self.serve_plain(data) if data is not None else self.answer_status(404)
        if path.startswith("/hop/"):  # /hop/K/NAME: the Kth redirect of a chain
            _, _, k, name = path.split("/", 3)
            return self.redirect_hop(int(k), int(words[1]), name)
        if path.startswith("/loop/"):
            k = int(path.split("/")[2])
            return self.answer_status(302, [("Location", f"/loop/{k + 1}")])
        data = self.file_bytes(path)
        if data is None:
            return self.answer_status(404)
        state.count()
        if mode == "plain":
            self.serve_plain(data)
        elif mode == "redirect":
            self.redirect_hop(0, int(words[1]), path.lstrip("/"))
        elif mode == "redirect-http":
            host = self.headers.get("Host", "127.0.0.1").rsplit(":", 1)[0]
            self.answer_status(302, [("Location",
                                      f"http://{host}:{state.args.http_port}{path}")])
        elif mode == "redirect-loop":
            self.answer_status(302, [("Location", "/loop/1")])
        elif mode == "ignore-range":
            cut = int(words[1]) if len(words) > 1 and before == 0 else None
            self.head(200, [], len(data))
            self.send_body(200, data, cut)
        elif mode == "trickle-once" and before == 0:
            self.trickle(data, int(words[1]) if len(words) > 1 else 2000)
        elif mode == "trickle-once":
            self.serve_plain(data)
        elif mode == "long-length":
            self.head(200, [], len(data) + int(words[1]))
            self.send_body(200, data)
            time.sleep(int(words[2]) if len(words) > 2 else 30)
            self.close_connection = True
        elif mode == "chunked":
            self.chunked(data, int(words[1]) if len(words) > 1 else 1000)
        elif mode == "cut":
            self.serve_plain(data, int(words[1]) if before == 0 else None)
        elif mode == "status":
            self.answer_status(int(words[1]))
        else:
            self.answer_status(500)

    def redirect_hop(self, k, n, name):
        """Hop k of n: the next hop, or the file itself after the last, in Location forms that
        differ from hop to hop."""
        code = REDIRECT_CODES[k % len(REDIRECT_CODES)]
        target = f"/hop/{k + 1}/{name}" if k + 1 < n else f"/files/{name}"
        host = self.headers.get("Host", "127.0.0.1")
        form = k % 3
        if form == 0:
            location = f"https://{host}{target}"
        elif form == 1:
            location = target
        else:
            location = f"//{host}{target}"
        self.answer_status(code, [("Location", location)])

    def trickle(self, data, interval_ms):
        self.head(200, [], len(data))
        sent = 0
        try:
            while sent < len(data):
                self.wfile.write(data[sent:sent + 1])
                self.wfile.flush()
                sent += 1
                time.sleep(interval_ms / 1000)
        except OSError:
            pass
        self.record(200, sent)
        self.close_connection = True

    def chunked(self, data, size):
        self.head(200, [("Transfer-Encoding", "chunked")])
        try:
            for i in range(0, len(data), size):
                piece = data[i:i + size]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass
        self.record(200, len(data))


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, state, context):
        self.state = state
        self.context = context
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # the handshake in the request's own thread: a slow client does not hold the others
        if self.context:
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.state.log(f"TLS handshake failed: {e}")
                return
        super().finish_request(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--http-port", type=int, default=0,
                   help="also listen for plain HTTP here (what redirect-http sends to)")
    p.add_argument("--mode-file", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    state = State(args)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = TLSServer((args.bind, args.port), state, context)
    if args.http_port:
        plain = TLSServer((args.bind, args.http_port), state, None)
        threading.Thread(target=plain.serve_forever, daemon=True).start()
    print(f"serving on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
