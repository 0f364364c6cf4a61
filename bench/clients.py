"""Bench clients in plain Python (stdlib only): a lean POP3 client and an idle-connection opener.

The POP3 client sends one command, reads its whole reply, then sends the next (no pipelining),
as a mail client does. It reads with large recv() calls and only looks at the tail of the buffer
for the multi-line terminator, so it costs far less CPU per message than the servers it drives.
"""
import errno
import multiprocessing
import os
import select
import signal
import socket
import time


class Pop3Error(Exception):
    pass


class Pop3:
    def __init__(self, host, port, timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.bytes_in = 0
        greeting = self._line()
        if not greeting.startswith(b'+OK'):
            raise Pop3Error(f'greeting: {greeting!r}')

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise Pop3Error('connection closed by server')
        self.buf += data
        self.bytes_in += len(data)

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
    p = Pop3(host, port)
    try:
        p.login(user, password)
        count, _ = p.stat()
        p.cmd('QUIT')
        return count
    finally:
        p.close()


def wait_stat(host, port, user, password, want, deadline, interval=0.05):
    """Polls STAT until the maildrop holds `want` messages; returns (count, monotonic time)."""
    count = -1
    while time.monotonic() < deadline:
        try:
            count = stat(host, port, user, password)
        except (OSError, Pop3Error):
            count = -1
        if count >= want:
            return count, time.monotonic()
        time.sleep(interval)
    return count, time.monotonic()


def retrieve_all(host, port, user, password, delete=True):
    """The POP3 retrieve benchmark for one maildrop: LIST, RETR every message, DELE every
    message, QUIT. Returns (messages, octets retrieved, seconds from connect to +OK of QUIT)."""
    t0 = time.monotonic()
    p = Pop3(host, port)
    try:
        p.login(user, password)
        _, listing = p.multi('LIST')
        numbers = [int(line.split()[0]) for line in listing.split(b'\r\n') if line]
        octets = 0
        for n in numbers:
            octets += p.multi(f'RETR {n}', keep=False)
        if delete:
            for n in numbers:
                p.cmd(f'DELE {n}')
        p.cmd('QUIT')
        return len(numbers), octets, time.monotonic() - t0
    finally:
        p.close()


def _worker_signals():
    # the parent turns SIGTERM into an exception for its cleanup; a worker just ends
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _retrieve_worker(args):
    host, port, user, password, start_at = args
    # all workers start at the same wall-clock instant so the clients really overlap
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    return retrieve_all(host, port, user, password)


def retrieve_parallel(host, port, users, password):
    """One process per maildrop (no GIL between clients); all start together. Returns
    (messages, octets, seconds from the common start until the last QUIT)."""
    ctx = multiprocessing.get_context('fork')
    with ctx.Pool(len(users), initializer=_worker_signals) as pool:
        start_at = time.time() + 0.5
        results = pool.map(_retrieve_worker,
                           [(host, port, u, password, start_at) for u in users])
        elapsed = max(r[2] + 0.0 for r in results)
    return sum(r[0] for r in results), sum(r[1] for r in results), elapsed


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
