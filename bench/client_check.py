#!/usr/bin/env python3
"""How fast the bench's POP3 clients are on their own, with no mail server in the way.

A canned POP3 server (a forked process answering every RETR at once with the same 10 KB message)
takes each client through the benchmark's session: log in, LIST, RETR all, DELE all, QUIT. This
prints the client's CPU per message and its rate: a client that manages several times what the
servers do, at a fraction of their CPU per message, is not what limits the POP3 figures.

    python3 bench/client_check.py [--messages 2000] [--rounds 3]

Needs no root and no servers; it listens on an ephemeral port of 127.0.0.1.
"""
import argparse
import os
import resource
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402

# 10,240 octets of body in 80-octet lines, like smtp-source -l 10240 sends
BODY = b''.join(b'%d' % (i % 10) + b'X' * 77 + b'\r\n' for i in range(128))


def serve(listener, count):
    """One POP3 session from a canned script; the process exits after QUIT."""
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    retr = b'+OK %d octets\r\n' % len(BODY) + BODY + b'.\r\n'
    listing = (b'+OK %d messages\r\n' % count
               + b''.join(b'%d %d\r\n' % (i, len(BODY)) for i in range(1, count + 1)) + b'.\r\n')
    conn.sendall(b'+OK canned POP3 ready\r\n')
    with conn.makefile('rb') as lines:
        for line in lines:
            verb = line.split()[0].upper()
            if verb == b'RETR':
                conn.sendall(retr)
            elif verb == b'LIST':
                conn.sendall(listing)
            elif verb == b'QUIT':
                conn.sendall(b'+OK bye\r\n')
                break
            else:
                conn.sendall(b'+OK\r\n')
    conn.close()
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--messages', type=int, default=2000)
    ap.add_argument('--rounds', type=int, default=3)
    cfg = ap.parse_args()
    for impl in sorted(clients.SESSIONS):
        cpu, rate = [], []
        for _ in range(cfg.rounds):
            listener = socket.socket()
            listener.bind(('127.0.0.1', 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            pid = os.fork()
            if pid == 0:
                serve(listener, cfg.messages)
            listener.close()
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            got = clients.SESSIONS[impl]('127.0.0.1', port, 'user', 'secret', time.monotonic)
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            os.waitpid(pid, 0)
            messages, octets, _, t_login, _, t_quit = got
            if messages != cfg.messages or octets < messages * len(BODY):
                sys.exit(f'{impl}: got {messages} messages, {octets} octets')
            cpu.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000 / messages)
            rate.append(messages / (t_quit - t_login))
        print(f'{impl:7s} client: {statistics.median(cpu):.3f} ms CPU per message, '
              f'{statistics.median(rate):,.0f} msg/s against the canned server '
              f'(median of {cfg.rounds} rounds of {cfg.messages})')


if __name__ == '__main__':
    main()
