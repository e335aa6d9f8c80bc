#!/usr/bin/env python3
"""hung.py MODE PORTFILE: a server on 127.0.0.1 that never finishes an
answer, its port written to PORTFILE (not on its command line, so that a
process left behind is found by the port alone).

  silent  accepts every connection and never reads nor answers (a git
          or HTTP server that hangs)
  nobody  answers HEAD with 200 and a length, and GET with the headers
          but never the body (a download that stalls after it began)

PORTFILE.events gets a line as each connection is accepted ("accept")
and, in nobody mode, as each request head is read (its method): the
events a test waits for before it signals tether.
"""
import os
import socket
import sys
import threading
import time

mode, portfile = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(16)
tmp = portfile + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
os.rename(tmp, portfile)
held = []
events = open(portfile + ".events", "a", buffering=1)


def serve(c):
    if mode == "silent":
        return
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            return
        data += chunk
    events.write(data.split(b" ", 1)[0].decode("ascii", "replace") + "\n")
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\n"
            b"Content-Length: 1000000\r\n\r\n")
    c.sendall(head)
    if data.startswith(b"HEAD"):
        c.close()


while True:
    c, _ = srv.accept()
    events.write("accept\n")
    held.append(c)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
