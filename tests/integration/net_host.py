#!/usr/bin/env python3
"""The host side of tests/integration/net.sh, on 127.0.0.1 only.

net_host.py DIR: serve DIR over HTTP (the guest's wget: small.txt, big.bin,
go) and receive uploads on a second port, hashing each connection. Prints
"PORT RPORT" on its first line, then one line per upload:
"upload md5=H bytes=N". Runs until killed.
"""
import functools
import hashlib
import http.server
import socket
import socketserver
import sys
import threading


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def receiver(sock):
    while True:
        conn, _ = sock.accept()
        h = hashlib.md5()
        n = 0
        with conn:
            while True:
                b = conn.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                n += len(b)
        print(f"upload md5={h.hexdigest()} bytes={n}", flush=True)


def main():
    handler = functools.partial(Quiet, directory=sys.argv[1])
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    rsock = socket.socket()
    rsock.bind(("127.0.0.1", 0))
    rsock.listen(4)
    print(httpd.server_address[1], rsock.getsockname()[1], flush=True)
    threading.Thread(target=receiver, args=(rsock,), daemon=True).start()
    httpd.serve_forever()


if __name__ == "__main__":
    main()
