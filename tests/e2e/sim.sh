#!/bin/sh
# tether-sim, the simulated board: boot flow, login, a real shell, the
# bootloader prompt, UART1 over telnet, the drop/stall/flood/kmsg knobs,
# power control, and no process left behind.  A small Python driver plays
# the lab: it runs the board on a pty (as tether will) or talks telnet.
SIM=${TETHER_SIM:-build/tether-sim}
W=$(mktemp -d /tmp/tether-sim-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
n=0

# tap WHAT COMMAND...: one TAP line from a command's status; its output
# is shown as comments when it fails.
tap() {
	what=$1
	shift
	n=$((n + 1))
	if "$@" >"$W/out" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/# /' "$W/out"
	fi
}

cat >"$W/drive.py" <<'PY'
import os, pty, select, signal, socket, subprocess, sys, time

SIM = os.environ["SIM"]
W = os.environ["W"]


class Board:
    """The board on a pty; expect() scans only what it has not matched."""

    def __init__(self, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(SIM, [SIM] + list(args))
        self.buf = b""
        self.pos = 0

    def read(self, t):
        if self.fd is None:
            time.sleep(t)
            return None
        r, _, _ = select.select([self.fd], [], [], t)
        if not r:
            return None
        try:
            d = os.read(self.fd, 65536)
        except OSError:
            d = b""
        self.buf += d
        return d

    def expect(self, pat, t=5.0):
        end = time.time() + t
        while True:
            i = self.buf.find(pat, self.pos)
            if i >= 0:
                self.pos = i + len(pat)
                return self.buf[:i]
            left = end - time.time()
            d = self.read(max(0, left)) if left > 0 else None
            if not d:
                raise SystemExit("no %r (%s) after: %r" % (
                    pat, "timeout" if d is None else "EOF",
                    self.buf[self.pos:][-400:]))

    def send(self, s):
        os.write(self.fd, s)

    def silent(self, t):
        end = time.time() + t
        got = b""
        while time.time() < end:
            d = self.read(end - time.time())
            if d:
                got += d
            elif d == b"":
                break
        return got

    def login(self, user=b"root", pw=None, prompt=b"root@sim:~# "):
        self.expect(b"login: ", 10)
        self.send(user + b"\n")
        if pw is not None:
            self.expect(b"Password: ")
            self.send(pw + b"\n")
        self.expect(prompt)

    def wait(self, t=5.0):
        end = time.time() + t
        while time.time() < end:
            p, st = os.waitpid(self.pid, os.WNOHANG)
            if p:
                return os.waitstatus_to_exitcode(st)
            self.read(0.05)
        raise SystemExit("board still running")

    def kill(self, sig=signal.SIGTERM):
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass
        return self.wait()


def fail(msg):
    raise SystemExit(msg)


def ports():
    return dict(l.split() for l in open(W + "/ports"))


class Telnet:
    """A raw telnet peer: answers nothing itself, keeps data and
    commands apart."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", int(port)), 5)
        self.raw = b""

    def read(self, t):
        r, _, _ = select.select([self.s], [], [], t)
        if not r:
            return None
        d = self.s.recv(65536)
        self.raw += d
        return d

    def data(self):
        out, i, raw = b"", 0, self.raw
        while i < len(raw):
            if raw[i] == 255 and i + 1 < len(raw):
                c = raw[i + 1]
                if c == 255:
                    out += b"\xff"
                    i += 2
                elif c >= 251:
                    i += 3
                else:
                    i += 2
            else:
                out += raw[i:i + 1]
                i += 1
        return out

    def expect(self, pat, t=5.0):
        end = time.time() + t
        while pat not in self.data():
            if self.read(max(0, end - time.time())) in (None, b""):
                raise SystemExit("telnet: no %r after %r" %
                                 (pat, self.data()[-300:]))


def t_help():
    out = subprocess.run([SIM, "--help"], capture_output=True).stdout
    for opt in (b"--uart1", b"--power-socket", b"--flood-bytes",
                b"--kmsg-interval", b"--drop-after-bytes", b"--seed",
                b"--stall-after-bytes", b"--chroot", b"tether-sim power"):
        if opt not in out:
            fail("--help lacks %r" % opt)


def t_login():
    b = Board("--autoboot-seconds", "0", "--password", "pw")
    b.expect(b"Hit any key to stop autoboot")
    b.expect(b"Linux version 6.")
    b.expect(b"sim login: ")
    b.send(b"root\n")
    b.expect(b"Password: ")
    b.send(b"wrong\n")
    b.expect(b"Login incorrect")
    b.send(b"root\n")
    b.expect(b"Password: ")
    b.send(b"pw\n")
    b.expect(b"root@sim:~# ")
    b.send(b"echo out-$((6*7)); tty\n")
    b.expect(b"out-42\r\n/dev/pts/")
    # The board echoes on its raw console: what we typed came back once.
    if b.buf.count(b"echo out-$((6*7))") != 1:
        fail("echo: %r" % b.buf[-200:])
    if b"pw" in b.buf.split(b"Password: ")[-1][:4]:
        fail("password echoed")
    b.send(b"exit\n")
    b.expect(b"sim login: ")
    if b.kill() != 0:
        fail("exit status")


def t_uboot():
    b = Board("--autoboot-seconds", "5", "--prompt", "board$ ",
              "--hostname", "bb")
    b.expect(b"Hit any key to stop autoboot:  5 ")
    b.send(b"x")
    b.expect(b"=> ")
    b.send(b"printenv bootdelay serverip\n")
    b.expect(b"bootdelay=5\r\nserverip=198.51.100.1\r\n=> ")
    b.send(b"setenv bootargs console=ttyS0 root=/dev/nfs\r")
    b.expect(b"=> ")
    b.send(b"printenv\n")
    b.expect(b"bootargs=console=ttyS0 root=/dev/nfs\r\n")
    b.expect(b"Environment size: ")
    b.send(b"nosuch\n")
    b.expect(b"Unknown command 'nosuch' - try 'help'")
    b.send(b"help\n")
    b.expect(b"setenv    - set environment")
    b.send(b"tftp 0x82000000 zImage\n")
    b.expect(b"Bytes transferred = ")
    b.send(b"bootz 0x82000000 - 0x83000000\n")
    b.expect(b"Starting kernel ...")
    b.expect(b"Linux version")
    b.login(prompt=b"board$ ")
    b.kill()


def t_uart1():
    b = Board("--autoboot-seconds", "1", "--uart1", "0",
              "--ports-file", W + "/ports", "--user", "admin")
    b.expect(b"Hit any key")
    t = Telnet(ports()["uart1"])
    # Accepted before boot, negotiation only: no getty yet.
    t.read(0.3)
    if t.data() != b"":
        fail("uart1 talked before boot: %r" % t.data())
    if b"\xff\xfb\x01" not in t.raw or b"\xff\xfb\x03" not in t.raw:
        fail("no WILL ECHO / WILL SGA: %r" % t.raw)
    # A client's answers and refusals, a subnegotiation, IAC IAC.
    t.s.sendall(b"\xff\xfd\x01\xff\xfd\x03\xff\xfb\x1f"
                b"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0")
    t.read(0.3)
    if b"\xff\xfe\x1f" not in t.raw:
        fail("WILL NAWS not refused: %r" % t.raw)
    t.expect(b"ttyS1\r\n\r\nsim login: ", 10)
    t.s.sendall(b"admin\r\n")
    t.expect(b"admin@sim:~# ")
    t.s.sendall(b"printf 'u1-%s\\377\\n' $((3*4))\r\n")
    t.expect(b"u1-12\xff")
    # UART0 has its own getty and shell meanwhile.
    b.login(user=b"admin", prompt=b"admin@sim:~# ")
    b.send(b"echo u0-ok\n")
    b.expect(b"u0-ok")
    # One connection a port.
    t2 = Telnet(ports()["uart1"])
    t2.expect(b"Port already in use")
    b.kill()
    end = time.time() + 2
    while time.time() < end and t.read(end - time.time()) not in (b"", None):
        pass
    if t.read(0) != b"":
        fail("uart1 still open after the board exited")


def t_drop():
    b = Board("--autoboot-seconds", "0", "--drop-after-bytes", "1000")
    rc = b.wait()
    if rc != 3 or len(b.buf) != 1000:
        fail("rc %s, %d bytes" % (rc, len(b.buf)))
    b = Board("--autoboot-seconds", "0", "--drop-after-seconds", "0.5")
    t0 = time.time()
    b.login()
    rc = b.wait()
    if rc != 3 or not 0.4 < time.time() - t0 < 2:
        fail("rc %s after %.2fs" % (rc, time.time() - t0))


def t_drop_uart1():
    b = Board("--no-bootloader", "--uart1", "0", "--ports-file",
              W + "/ports", "--drop-after-bytes", "8000")
    b.login()
    t = Telnet(ports()["uart1"])
    t.s.sendall(b"root\r\n")
    t.expect(b"# ")
    t.s.sendall(b"i=0; while [ $i -lt 2000 ]; do echo line-$i; "
                b"i=$((i+1)); done\r\n")
    end = time.time() + 5
    while t.read(max(0, end - time.time())) not in (b"", None):
        pass
    if len(t.data()) != 8000:
        fail("uart1 closed after %d bytes" % len(t.data()))
    b.send(b"echo uart0-lives\n")
    b.expect(b"uart0-lives\r\n")
    b.kill()


def t_flood_rate():
    b = Board("--no-bootloader", "--line-delay-ms", "0", "--flood-bytes",
              "60000", "--flood-rate", "200000")
    b.expect(b"Linux version")
    t0 = time.time()
    b.expect(b"login: ")
    took = time.time() - t0
    if not 0.25 < took < 1.5:
        fail("60000 bytes at 200000 B/s took %.2fs" % took)
    b.kill()


def t_stall():
    b = Board("--no-bootloader", "--stall-after-bytes", "300")
    got = b.silent(1.0)
    if len(b.buf) != 300:
        fail("%d bytes" % len(b.buf))
    b.send(b"root\n")
    if b.silent(0.5) != b"":
        fail("talked after the stall")
    if b.kill() != 0:
        fail("did not stay alive")


def t_flood_kmsg():
    b = Board("--no-bootloader", "--flood-bytes", "200000",
              "--kmsg-interval", "100", "--seed", "3")
    before = b.expect(b"sim login: ", 15)
    if len(before) < 200000 or before.count(b"\r\n") < 2000:
        fail("flood: %d bytes" % len(before))
    b.send(b"root\n")
    b.expect(b"root@sim:~# ")
    # Kernel messages arrive during the session, even right after the
    # prompt, in the middle of the line.
    b.expect(b"] ", 3)
    if b"root@sim:~# [" not in b.buf:
        fail("no kernel message right after the prompt")
    b.send(b"echo still-here\n")
    b.expect(b"still-here")
    b.kill()


def t_power():
    sock = W + "/power.sock"
    b = Board("--autoboot-seconds", "0", "--power-socket", sock,
              "--uart1", "0", "--ports-file", W + "/ports")
    b.login()
    t = Telnet(ports()["uart1"])
    t.expect(b"login: ")

    def power(cmd):
        r = subprocess.run([SIM, "power", sock, cmd], capture_output=True)
        if r.returncode != 0:
            fail("power %s: %r" % (cmd, r.stderr))
        return r.stdout

    power("off")
    if power("status") != b"off\n":
        fail("status")
    b.send(b"echo nobody\n")
    if b.silent(0.5) != b"":
        fail("talked while off")
    power("on")
    b.expect(b"U-Boot SPL")
    b.login()
    power("reset")
    b.expect(b"U-Boot SPL")
    b.expect(b"Linux version")
    b.login()
    # UART1 kept its connection across the power cycles: a getty each.
    end = time.time() + 5
    while t.data().count(b"ttyS1") < 3 and time.time() < end:
        t.read(0.1)
    if t.data().count(b"ttyS1") != 3:
        fail("uart1: %r" % t.data())
    r = subprocess.run([SIM, "power", sock, "bogus"], capture_output=True)
    if r.returncode == 0:
        fail("bogus command accepted")
    b.kill()
    if os.path.exists(sock):
        fail("socket left behind")
    # --off: nothing until the switch is turned on.
    b = Board("--off", "--autoboot-seconds", "0", "--power-socket", sock)
    if b.silent(0.5) != b"":
        fail("talked while off")
    power("on")
    b.expect(b"U-Boot SPL")
    b.login()
    b.kill()


def left(marker):
    r = subprocess.run(["pgrep", "-f", marker], capture_output=True)
    return r.stdout.split()


def t_cleanup(how):
    marker = "99%d%d" % (os.getpid(), len(how))
    b = Board("--autoboot-seconds", "0", "--uart1", "0",
              "--ports-file", W + "/ports")
    b.login()
    t = Telnet(ports()["uart1"])
    t.expect(b"login: ")
    t.s.sendall(b"root\r\n")
    t.expect(b"# ")
    # A background job in a process group of its own, a setsid daemon,
    # and a foreground job, on both UARTs.
    t.s.sendall(b"sleep %s & setsid sleep %s &\r\n" % (
        marker.encode(), marker.encode()))
    b.send(b"sleep %s & sleep %s\n" % (marker.encode(), marker.encode()))
    end = time.time() + 3
    while len(left(marker)) < 4 and time.time() < end:
        time.sleep(0.05)
    if len(left(marker)) < 4:
        fail("jobs did not start: %r" % left(marker))
    if how == "eof":
        os.close(b.fd)
        b.fd = None
        b.wait()
    elif how == "killpg":
        os.killpg(b.pid, signal.SIGKILL)
        os.waitpid(b.pid, 0)
    else:
        os.kill(b.pid, {"term": signal.SIGTERM, "kill": signal.SIGKILL}[how])
        os.waitpid(b.pid, 0)
    end = time.time() + 3
    while left(marker) and time.time() < end:
        time.sleep(0.05)
    if left(marker):
        pids = left(marker)
        subprocess.run(["kill", "-9"] + [p.decode() for p in pids])
        fail("left behind: %r" % pids)


def t_seed():
    outs = []
    for i in range(2):
        # A pipe kept open: EOF on UART0 would end the board.
        rd, wr = os.pipe()
        r = subprocess.run([SIM, "--no-bootloader", "--seed", "7",
                            "--flood-bytes", "20000",
                            "--drop-after-bytes", "15000"],
                           stdin=rd, capture_output=True)
        os.close(rd)
        os.close(wr)
        if r.returncode != 3 or len(r.stdout) != 15000:
            fail("rc %d, %d bytes" % (r.returncode, len(r.stdout)))
        outs.append(r.stdout)
    if outs[0] != outs[1]:
        fail("two runs differ")


def t_pipe():
    p = subprocess.Popen([SIM, "--autoboot-seconds", "0"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    got = b""

    def upto(pat):
        nonlocal got
        end = time.time() + 5
        while pat not in got and time.time() < end:
            if select.select([p.stdout], [], [], 0.1)[0]:
                got += os.read(p.stdout.fileno(), 65536)
        if pat not in got:
            fail("no %r in %r" % (pat, got[-300:]))
        got = got[got.index(pat) + len(pat):]

    upto(b"login: ")
    p.stdin.write(b"root\n")
    p.stdin.flush()
    upto(b"# ")
    p.stdin.write(b"echo piped-$((1+1))\n")
    p.stdin.flush()
    upto(b"piped-2")
    p.stdin.close()
    if p.wait(5) != 0:
        fail("exit status %d after EOF" % p.returncode)


def t_chroot(root):
    b = Board("--autoboot-seconds", "0", "--chroot", root,
              "--prompt", "chroot# ")
    b.login(prompt=b"chroot# ")
    b.send(b"cd /; echo in: *\n")
    b.expect(b"in: bin lib")
    if b.kill() != 0:
        fail("exit status")


globals()["t_" + sys.argv[1]](*sys.argv[2:])
PY

export SIM W
drive() {
	timeout 20 python3 "$W/drive.py" "$@"
}
tap "--help lists every option" drive help
tap "boot to login over a pty, wrong password, shell command, respawned getty" drive login
tap "interrupt autoboot: printenv, setenv, help, tftp, bootz" drive uboot
tap "uart1 over telnet: silent before boot, getty after, own shell" drive uart1
tap "drop after bytes and after seconds ends the link (status 3)" drive drop
tap "drop after bytes on uart1 closes that socket only" drive drop_uart1
tap "flood rate paces the flood" drive flood_rate
tap "stall after bytes: silent, link open" drive stall
tap "flood before login, kernel messages during the session" drive flood_kmsg
tap "power socket: off is silent, on and reset boot again" drive power
tap "nothing left behind after stdin EOF" drive cleanup eof
tap "nothing left behind after SIGTERM" drive cleanup term
tap "nothing left behind after SIGKILL" drive cleanup kill
tap "nothing left behind after SIGKILL to the process group" drive cleanup killpg
# --chroot: a root with only dash and its libraries (chroot needs root).
n=$((n + 1))
if [ "$(id -u)" = 0 ] && [ -x /bin/dash ]; then
	R="$W/root"
	mkdir -p "$R/bin" "$R/root"
	cp /bin/dash "$R/bin/sh"
	for lib in $(ldd /bin/dash | grep -o '/[^ ]*'); do
		mkdir -p "$R$(dirname "$lib")"
		cp "$lib" "$R$lib"
	done
	n=$((n - 1))
	tap "--chroot: the shell runs in the given root" drive chroot "$R"
else
	echo "ok $n - --chroot # SKIP needs root and /bin/dash"
fi
tap "--seed: identical output, drop mid-flood" drive seed
tap "UART0 on pipes: login, command, EOF ends the board" drive pipe
