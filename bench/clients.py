"""Bench clients in plain Python (stdlib only): a lean POP3 client and an idle-connection opener.

The POP3 client sends one command, reads its whole reply, then sends the next (no pipelining),
as a mail client does. It reads with large recv() calls and only looks at the tail of the buffer
for the multi-line terminator, so it costs far less CPU per message than the servers it drives
(the benchmark reports the client's CPU per message beside the servers'). The same session can
run through the standard library's poplib instead (`--pop3-client poplib`) to check that.
"""
import errno
import multiprocessing
import poplib
import queue
import select
import signal
import socket
import struct
import threading
import time


class Pop3Error(Exception):
    pass


class Pop3:
    # Per message the client makes one send and about one recv: the recv fills a buffer allocated
    # once (a fresh 256 KiB bytes object per recv() would cost an mmap, mremap and munmap each),
    # and the timeout is the kernel's (SO_RCVTIMEO/SO_SNDTIMEO), not a poll() before every call
    # as a Python socket timeout would make. Either doubled the client's system calls.
    CHUNK = 262144

    def __init__(self, host, port, timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(None)
        tv = struct.pack('ll', int(timeout), 0)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.chunk = bytearray(self.CHUNK)
        self.view = memoryview(self.chunk)
        self.buf = bytearray()
        self.bytes_in = 0
        greeting = self._line()
        if not greeting.startswith(b'+OK'):
            raise Pop3Error(f'greeting: {greeting!r}')

    def _fill(self):
        n = self.sock.recv_into(self.chunk)
        if not n:
            raise Pop3Error('connection closed by server')
        self.buf += self.view[:n]
        self.bytes_in += n

    def _line(self):
        while True:
            i = self.buf.find(b'\r\n')
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill()

    def cmd(self, text):
        self.sock.sendall(text.encode() + b'\r\n')
        line = self._line()
        if not line.startswith(b'+OK'):
            raise Pop3Error(f'{text.split()[0]}: {line!r}')
        return line

    def multi(self, text, keep=True):
        """A multi-line command; returns the body size in octets (and the body if keep)."""
        self.cmd(text)
        # RFC 1939 3: the reply ends with CRLF.CRLF; the first line is already consumed, so an
        # empty body is just ".\r\n" at the start of the buffer.
        start = 0
        while True:
            if self.buf[:3] == b'.\r\n':
                body = b''
                del self.buf[:3]
                return (0, body) if keep else 0
            end = self.buf.find(b'\r\n.\r\n', max(0, start - 4))
            if end >= 0:
                body = bytes(self.buf[:end + 2]) if keep else None
                size = end + 2
                del self.buf[:end + 5]
                return (size, body) if keep else size
            start = len(self.buf)
            self._fill()

    def login(self, user, password):
        self.cmd(f'USER {user}')
        self.cmd(f'PASS {password}')

    def stat(self):
        parts = self.cmd('STAT').split()
        return int(parts[1]), int(parts[2])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def stat(host, port, user, password):
    """(messages, octets) in a maildrop: one login, STAT, QUIT."""
    p = Pop3(host, port)
    try:
        p.login(user, password)
        count, octets = p.stat()
        p.cmd('QUIT')
        return count, octets
    finally:
        p.close()


# ---------------------------------------------------------------- the POP3 benchmark
# Each client: connect, USER/PASS (the login phase, untimed in the throughput: it is one slow
# password hash per session, PBKDF2 on both servers, not work per message), then LIST, RETR every
# message (phase 1), DELE every message and QUIT (phase 2: the server removes the messages here),
# timed to the +OK of QUIT. All timestamps are time.monotonic(), one clock for every process.

def _session_lean(host, port, user, password, ready):
    t_connect = time.monotonic()
    p = Pop3(host, port)
    try:
        p.login(user, password)
        t_login = ready()
        _, listing = p.multi('LIST')
        numbers = [int(line.split()[0]) for line in listing.split(b'\r\n') if line]
        octets = 0
        for n in numbers:
            octets += p.multi(f'RETR {n}', keep=False)
        t_retr = time.monotonic()
        for n in numbers:
            p.cmd(f'DELE {n}')
        p.cmd('QUIT')
        t_quit = time.monotonic()
    finally:
        p.close()
    return len(numbers), octets, t_connect, t_login, t_retr, t_quit


def _session_poplib(host, port, user, password, ready):
    """The same session through the standard library's poplib (line by line through a buffered
    file): a second opinion on whether the lean client is the bottleneck (--pop3-client poplib)."""
    t_connect = time.monotonic()
    p = poplib.POP3(host, port, timeout=60)
    try:
        p.user(user)
        p.pass_(password)
        t_login = ready()
        _, listing, _ = p.list()
        numbers = [int(line.split()[0]) for line in listing]
        octets = 0
        for n in numbers:
            octets += p.retr(n)[2]
        t_retr = time.monotonic()
        for n in numbers:
            p.dele(n)
        p.quit()
        t_quit = time.monotonic()
    finally:
        p.close()
    return len(numbers), octets, t_connect, t_login, t_retr, t_quit


SESSIONS = {'lean': _session_lean, 'poplib': _session_poplib}


def _client_process(impl, host, port, user, password, barrier, results):
    _worker_signals()

    def ready():
        # every client waits here after its login, so the timed phases of all clients start together
        barrier.wait(300)
        return time.monotonic()
    try:
        results.put((user, SESSIONS[impl](host, port, user, password, ready)))
    except Exception as e:  # reported to the parent, which fails the benchmark
        barrier.abort()
        results.put((user, f'{type(e).__name__}: {e}'))


class Retrieval:
    """The outcome of retrieve(): totals, and per-client phases."""

    def __init__(self, sessions, t_start, t_logged_in):
        self.sessions = sessions  # [(messages, octets, t_connect, t_login, t_retr, t_quit)]
        self.messages = sum(s[0] for s in sessions)
        self.octets = sum(s[1] for s in sessions)
        # login: from the first connect until the last client has its +OK for PASS
        self.login = t_logged_in - t_start
        # the timed window: from the common start after the logins (the first client released)
        # until the last +OK of QUIT
        self.t_go = min(s[3] for s in sessions)
        self.seconds = max(s[5] for s in sessions) - self.t_go
        # phases of the slowest client
        self.list_retr = max(s[4] - s[3] for s in sessions)
        self.dele_quit = max(s[5] - s[4] for s in sessions)


def retrieve(host, port, users, password, impl='lean', on_go=None):
    """The POP3 benchmark: one client process per maildrop (no GIL between clients). All log in,
    wait for each other, then run their LIST/RETR/DELE/QUIT at once; `on_go()` is called in this
    process at that moment (to sample the server's CPU after the logins). Returns a Retrieval."""
    ctx = multiprocessing.get_context('fork')
    barrier = ctx.Barrier(len(users) + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_client_process,
                         args=(impl, host, port, u, password, barrier, results), daemon=True)
             for u in users]
    t_start = time.monotonic()
    for proc in procs:
        proc.start()
    try:
        try:
            barrier.wait(300)
        except threading.BrokenBarrierError:
            pass  # a client failed before its login; its error comes through the queue
        t_logged_in = time.monotonic()
        if on_go and not barrier.broken:
            on_go()
        try:
            got = dict(results.get(timeout=600) for _ in users)
        except queue.Empty:
            raise Pop3Error('a POP3 client process gave no result within 600 s')
    finally:
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
    errors = [f'{u}: {r}' for u, r in got.items() if isinstance(r, str)]
    if errors:
        raise Pop3Error('; '.join(errors))
    return Retrieval([got[u] for u in users], t_start, t_logged_in)


def _worker_signals():
    # the parent turns SIGTERM into an exception for its cleanup; a worker just ends
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def drain(host, port, user, password):
    """Deletes every message of a maildrop (untimed housekeeping between runs)."""
    p = Pop3(host, port, timeout=300)
    try:
        p.login(user, password)
        count, _ = p.stat()
        for n in range(1, count + 1):
            p.cmd(f'DELE {n}')
        p.cmd('QUIT')
        return count
    finally:
        p.close()


def open_idle(host, port, count, window, sources):
    """Opens `count` SMTP connections spread over the loopback source addresses `sources`, as
    fast as possible, and counts those greeted with 220 within `window` seconds of the first
    connect. Returns (greeted, refused_or_failed, sockets still open, seconds to last greeting).
    The caller measures the server while the sockets are open, then closes them."""
    ep = select.epoll()
    socks, state = {}, {}
    greeted = failed = 0
    last_greet = 0.0
    t0 = time.monotonic()
    deadline = t0 + window

    def poll_once(timeout):
        nonlocal greeted, failed, last_greet
        for fd, ev in ep.poll(timeout, 4096):
            s = socks[fd]
            if state[fd] == 'done':
                continue
            if ev & (select.EPOLLERR | select.EPOLLHUP) and not ev & select.EPOLLIN:
                failed += 1
                state[fd] = 'done'
                ep.unregister(fd)
                continue
            if state[fd] == 'connecting' and ev & select.EPOLLOUT:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    failed += 1
                    state[fd] = 'done'
                    ep.unregister(fd)
                    continue
                state[fd] = 'waiting'
                ep.modify(fd, select.EPOLLIN)
                continue
            if ev & select.EPOLLIN:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b''
                if data.startswith(b'220'):
                    greeted += 1
                    last_greet = time.monotonic() - t0
                else:
                    failed += 1
                state[fd] = 'done'
                ep.unregister(fd)

    for i in range(count):
        if time.monotonic() >= deadline:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((sources[i % len(sources)], 0))
        err = s.connect_ex((host, port))
        if err not in (0, errno.EINPROGRESS):
            failed += 1
            s.close()
            continue
        socks[s.fileno()] = s
        state[s.fileno()] = 'connecting'
        ep.register(s.fileno(), select.EPOLLOUT | select.EPOLLIN)
        if i % 200 == 199:
            poll_once(0)
    while time.monotonic() < deadline and greeted + failed < count:
        poll_once(min(0.2, max(0.0, deadline - time.monotonic())))
    ep.close()
    return greeted, failed, list(socks.values()), last_greet


def close_all(sockets):
    for s in sockets:
        try:
            s.close()
        except OSError:
            pass
