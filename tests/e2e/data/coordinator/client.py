#!/usr/bin/env python3
"""client.py: a test client for `tether coordinator`, speaking LAVA's
coordinator protocol (8 hex digits + JSON, one request per connection)
as lava-run does, and tether's push extension.  Each subcommand exits 0
when what it checks holds, else prints why and exits 1.

  replay PORT WIRE [ID=ANSWER]...  send each request of a captured
      wire.txt, in order, and compare every answer byte for byte with the
      captured one; ID=ANSWER (request number, from 1) is where tether
      answers otherwise on purpose.
  push PORT         push answers come at once, without polling
  drop PORT         a push client whose connection drops: the others'
                    waits end with an error naming it
  reuse PORT        one lava-sync id reused round after round, polled
  waitall PORT      lava-wait-all of an id nobody sent yet waits
  many PORT N       N concurrent connections: a group of N nodes, push
  poll PORT N       N nodes polling lava-sync rounds at once
  bad PORT          bad frames and requests are answered nack
"""
import json
import re
import socket
import sys
import threading
import time
import uuid

HOST = "127.0.0.1"


def frame(obj):
    text = json.dumps(obj)
    return ("%08X" % len(text)).encode() + text.encode()


def exchange(port, data, half_close=True, timeout=30):
    """Sends DATA on a new connection; returns every byte answered."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.sendall(data[:8])
    s.sendall(data[8:])
    if half_close:
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # answered (a bad frame) before all was sent
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out


def decode(answer):
    if len(answer) < 8 or int(answer[:8], 16) != len(answer) - 8:
        raise ValueError("bad frame %r" % answer[:100])
    return json.loads(answer[8:])


def request(port, obj, **kw):
    return decode(exchange(port, frame(obj), **kw))


def base(group, client, role, req, size=2, **extra):
    d = {"port": 3079, "blocksize": 4096, "poll_delay": 0, "host": HOST,
         "hostname": "vm", "client_name": client, "group_name": group,
         "role": role, "request": req}
    if req in ("group_data", "clear_group"):
        d["group_size"] = size
    d.update(extra)
    return d


def poll(port, obj, delay=0.02, limit=30):
    """Polls as lava-run does: the same request again after each wait."""
    end = time.time() + limit
    while time.time() < end:
        r = request(port, obj)
        if r.get("response") != "wait":
            return r
        time.sleep(delay)
    raise TimeoutError("still waiting: %s" % obj.get("request"))


class Push:
    """A push request: the connection stays open (no half-close) until
    the answer comes."""

    def __init__(self, port, obj):
        obj = dict(obj, push=True)
        self.sock = socket.create_connection((HOST, port), timeout=30)
        self.sock.sendall(frame(obj))
        self.sent = time.time()

    def ready(self, timeout):
        self.sock.settimeout(timeout)
        try:
            b = self.sock.recv(1, socket.MSG_PEEK)
            return bool(b)
        except socket.timeout:
            return False

    def answer(self, timeout=10):
        self.sock.settimeout(timeout)
        out = b""
        while True:
            b = self.sock.recv(65536)
            if not b:
                break
            out += b
        self.sock.close()
        self.at = time.time()
        return decode(out)


def fail(msg):
    print(msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def cmd_replay(port, wire, overrides):
    pairs = []
    for line in open(wire, encoding="utf-8"):
        m = re.match(r"  ([<>]) ([0-9A-Fa-f]{8}) (.*)$", line.rstrip("\n"))
        if not m:
            continue
        data = (m.group(2) + m.group(3)).encode()
        if m.group(1) == ">":
            pairs.append([data, b""])
        else:
            pairs[-1][1] = data
    over = {}
    for o in overrides:
        k, v = o.split("=", 1)
        over[int(k)] = v.encode()
    bad = 0
    for i, (req, want) in enumerate(pairs, 1):
        if i in over:
            text = over[i]
            want = ("%08X" % len(text)).encode() + text
        got = exchange(port, req)
        if got != want:
            bad += 1
            print("request %d: %s" % (i, req[:300].decode()))
            print("  want %s" % want.decode())
            print("  got  %s" % got.decode(errors="replace"))
    print("%d requests, %d answers differ" % (len(pairs), bad))
    return 0 if bad == 0 else 1


def cmd_push(port):
    g = str(uuid.uuid4())
    # group_data: the first node's answer comes when the second arrives.
    a = Push(port, base(g, "1", "server", "group_data"))
    check(not a.ready(0.2), "group_data answered before the group was whole")
    r = request(port, base(g, "2", "client", "group_data"))
    check(r == {"response": "group_data",
                "roles": {"1": "server", "2": "client"}}, "roles: %r" % r)
    r = a.answer()
    check(r["response"] == "group_data", "push group_data: %r" % r)
    # lava_wait: answered the moment the message is sent.
    w = Push(port, base(g, "2", "client", "lava_wait", messageID="ready",
                        nodeID="2"))
    check(not w.ready(0.3), "lava_wait answered before lava_send")
    t = time.time()
    r = request(port, base(g, "1", "server", "lava_send", messageID="ready",
                           message={"ip": "127.0.0.1"}))
    check(r == {"response": "ack"}, "lava_send: %r" % r)
    r = w.answer()
    lat = w.at - t
    check(r == {"response": "ack", "message": {"1": {"ip": "127.0.0.1"}}},
          "push lava_wait: %r" % r)
    check(lat < 0.1, "push lava_wait answered %.3f s after the send" % lat)
    # lava_sync: both released when the second arrives, with no poll.
    s1 = Push(port, base(g, "1", "server", "lava_sync", messageID="go"))
    check(not s1.ready(0.2), "sync released with one node")
    t = time.time()
    s2 = Push(port, base(g, "2", "client", "lava_sync", messageID="go"))
    r1, r2 = s1.answer(), s2.answer()
    want = {"response": "ack", "message": "go"}
    check(r1 == want and r2 == want, "push sync: %r %r" % (r1, r2))
    lat = max(s1.at, s2.at) - t
    check(lat < 0.1, "push sync took %.3f s" % lat)
    # and again with the same id: a second round, as meant.
    s1 = Push(port, base(g, "1", "server", "lava_sync", messageID="go"))
    check(not s1.ready(0.2), "second round released with one node")
    s2 = Push(port, base(g, "2", "client", "lava_sync", messageID="go"))
    check(s1.answer() == want and s2.answer() == want, "second round")
    # lava_wait_all by role.
    wa = Push(port, base(g, "2", "client", "lava_wait_all", messageID="h",
                         waitrole="server"))
    check(not wa.ready(0.2), "wait_all by role answered early")
    request(port, base(g, "1", "server", "lava_send", messageID="h",
                       message={"k": "v"}))
    r = wa.answer()
    check(r == {"response": "ack", "message": {"1": {"k": "v"}}},
          "wait_all by role: %r" % r)
    for c in ("1", "2"):
        check(request(port, base(g, c, "x", "clear_group")) ==
              {"response": "ack"}, "clear_group")
    print("push answers arrive at once")
    return 0


def cmd_drop(port):
    g = str(uuid.uuid4())
    request(port, base(g, "10", "server", "group_data"))
    request(port, base(g, "11", "client", "group_data"))
    # 11 waits in push mode at a barrier, then its connection dies.
    dead = Push(port, base(g, "11", "client", "lava_sync", messageID="b"))
    time.sleep(0.2)
    other = Push(port, base(g, "10", "server", "lava_wait_all",
                            messageID="never"))
    check(not other.ready(0.2), "wait_all answered before the drop")
    t = time.time()
    dead.sock.close()
    r = other.answer()
    lat = other.at - t
    check(r.get("response") == "nack" and r.get("node") == "11" and
          r.get("error_type") == "InfrastructureError" and
          "11" in r.get("error_msg", ""), "after the drop: %r" % r)
    check(lat < 0.5, "the drop was noticed after %.3f s" % lat)
    # A polling node learns it too: 11 never sends, and is gone.
    r = request(port, base(g, "10", "server", "lava_wait_all",
                           messageID="never"))
    check(r.get("response") == "nack" and r.get("node") == "11",
          "poll after the drop: %r" % r)
    # A node that speaks again is back.
    r = request(port, base(g, "11", "client", "lava_send",
                           messageID="never"))
    check(r == {"response": "ack"}, "send after coming back: %r" % r)
    r = request(port, base(g, "10", "server", "lava_send",
                           messageID="never"))
    r = request(port, base(g, "10", "server", "lava_wait_all",
                           messageID="never"))
    check(r == {"response": "ack", "message": {"11": {}, "10": {}}},
          "wait_all once both sent: %r" % r)
    # clear_group of one node: the other's barrier ends with its name.
    request(port, base(g, "11", "client", "clear_group"))
    r = poll(port, base(g, "10", "server", "lava_sync", messageID="z"))
    check(r.get("response") == "nack" and r.get("node") == "11",
          "sync after the other left: %r" % r)
    print("a dropped push client ends the others' waits, naming it")
    return 0


def cmd_reuse(port):
    """The oracle's mn-reuse: lava-sync same x5, the client late; under
    LAVA's coordinator the client deadlocks (NOTES.md section 7)."""
    g = str(uuid.uuid4())
    done = {}

    def node(name, role, late):
        poll(port, base(g, name, role, "group_data"))
        time.sleep(late)
        n = 0
        for _ in range(5):
            r = poll(port, base(g, name, role, "lava_sync", messageID="same"))
            if r == {"response": "ack", "message": "same"}:
                n += 1
            time.sleep(0.01)
        done[name] = n

    ts = [threading.Thread(target=node, args=("9101", "server", 0)),
          threading.Thread(target=node, args=("9102", "client", 0.3))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    check(done == {"9101": 5, "9102": 5}, "rounds passed: %r" % done)
    print("5 rounds of one sync id, both nodes")
    return 0


def cmd_waitall(port):
    g = str(uuid.uuid4())
    request(port, base(g, "1", "a", "group_data"))
    request(port, base(g, "2", "b", "group_data"))
    r = request(port, base(g, "1", "a", "lava_wait_all", messageID="x"))
    check(r == {"response": "wait"}, "wait_all before any send: %r" % r)
    request(port, base(g, "2", "b", "lava_send", messageID="x"))
    r = request(port, base(g, "1", "a", "lava_wait_all", messageID="x"))
    check(r == {"response": "wait"}, "wait_all after one send: %r" % r)
    request(port, base(g, "1", "a", "lava_send", messageID="x",
                       message={"n": "1"}))
    r = request(port, base(g, "1", "a", "lava_wait_all", messageID="x"))
    check(r == {"response": "ack", "message": {"2": {}, "1": {"n": "1"}}},
          "wait_all after both: %r" % r)
    print("lava-wait-all of an id nobody sent waits")
    return 0


def cmd_many(port, n):
    g = str(uuid.uuid4())
    socks = [socket.create_connection((HOST, port), timeout=30)
             for _ in range(n)]
    # All N connections are open before any request is sent.
    for i, s in enumerate(socks):
        s.sendall(frame(dict(base(g, str(i), "r%d" % (i % 3), "group_data",
                                  size=n), push=True)))
    roles = None
    for s in socks:
        s.settimeout(30)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
        r = decode(out)
        check(r["response"] == "group_data" and len(r["roles"]) == n,
              "group_data: %r" % r)
        check(roles is None or r["roles"] == roles, "roles differ")
        roles = r["roles"]
    check(list(roles)[:3] == ["0", "3", "6"], "role order %r" % list(roles))
    print("%d concurrent connections" % n)
    return 0


def cmd_poll(port, n):
    g = str(uuid.uuid4())
    errors = []

    def node(i):
        try:
            poll(port, base(g, str(i), "r", "group_data", size=n),
                 delay=0.01)
            for k in range(3):
                r = poll(port, base(g, str(i), "r", "lava_sync",
                                    messageID="s%d" % k), delay=0.01)
                if r != {"response": "ack", "message": "s%d" % k}:
                    errors.append(r)
        except Exception as e:
            errors.append(repr(e))

    ts = [threading.Thread(target=node, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    check(not errors, "errors: %r" % errors[:3])
    print("%d polling nodes, 3 barriers" % n)
    return 0


def cmd_bad(port):
    nack = b'00000014{"response": "nack"}'
    g = str(uuid.uuid4())
    cases = [
        (b"zzzzzzzz{}", "a header that is no hex"),
        (b"0000000", "a short header"),
        (b"00000010{\"a\"", "a request cut short"),
        (b"FFFFFFFF{}", "a length beyond the limit"),
        (b"00000003{]}", "invalid JSON"),
        (b"00000002[]", "JSON that is no object"),
        (b"00000004\xff\xfe{}", "invalid UTF-8"),
        (frame({"request": "lava_send"}), "no group or client"),
        (frame(base(g, "1", "a", "group_data", size=0)),
         "a new group without a size"),
        (frame(base(g, "1", "a", "no_such_request", size=2)),
         "an unknown request"),
        (frame(base(g, "1", "a", "lava_send", size=2)), "no messageID"),
        (frame(base(g, "1", "a", "aggregate", size=2)),
         "aggregate (legacy)"),
        (("00000400" + "[" * 1024).encode(), "nesting too deep"),
    ]
    for data, what in cases:
        got = exchange(port, data)
        check(got == nack, "%s: answered %r" % (what, got[:80]))
    # still alive and serving.
    r = request(port, base(g, "1", "a", "group_data", size=1))
    check(r == {"response": "group_data", "roles": {"1": "a"}},
          "after the bad requests: %r" % r)
    # complete: closed without an answer, as LAVA.
    got = exchange(port, frame(base(g, "1", "a", "complete")))
    check(got == b"", "complete: answered %r" % got)
    print("%d bad frames and requests answered nack" % len(cases))
    return 0


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    rest = sys.argv[3:]
    if cmd == "replay":
        return cmd_replay(port, rest[0], rest[1:])
    if cmd in ("many", "poll"):
        return globals()["cmd_" + cmd](port, int(rest[0]))
    return globals()["cmd_" + cmd](port)


if __name__ == "__main__":
    sys.exit(main())
