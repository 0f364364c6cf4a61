#!/usr/bin/env bash
# Benchmarks: the project's mail server against Postfix + Dovecot on loopback, in one go.
#
#   bench/run.sh                      everything, 3 repetitions (about 15 minutes on 2 quiet cores)
#   bench/run.sh --quick              small counts, 1 repetition (a few minutes: harness check)
#   bench/run.sh --only accept,pop3   a subset of accept, relay, pop3, large, idle (run in that
#                                     order, on one store per server)
#   bench/run.sh --servers ref        only Postfix + Dovecot (or: ours)
#   bench/run.sh --help               every option
#
# Needs root (it installs Postfix and Dovecot from Debian if missing, runs them as private
# instances under bench/work, and opens 10,000 connections). Our server must be built first:
#   mvn -q -DskipTests package
# Prints the table; bench/work/results.md and results.json keep it. Not part of `mvn test`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then
  echo "bench: run as root (Postfix and Dovecot instances, loopback source addresses)" >&2
  exit 1
fi

need=()
command -v smtp-source >/dev/null 2>&1 || need+=(postfix)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/pop3 ] || need+=(dovecot-pop3d)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  # keep the packages' own system instances from starting (we run private ones)
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    guard=/usr/sbin/policy-rc.d
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ -n "$guard" ] && rm -f "$guard"
  # a system instance started anyway (no policy-rc.d support) would hold port 25: stop it
  if [ -f /etc/postfix/main.cf ]; then postfix stop >/dev/null 2>&1 || true; fi
fi

# descriptors for 10,000 client sockets here and as many in each server
ulimit -n "$(ulimit -Hn)"

cleanup() {
  # bench.py stops everything it starts; this is the safety net if it was killed outright
  local w="$here/work"
  if [ -f "$w/ref/pf/etc/main.cf" ] && [ -f "$w/ref/pf/queue/pid/master.pid" ]; then
    script -qec "postfix -c $w/ref/pf/etc stop" /dev/null >/dev/null 2>&1 || true
  fi
  if [ -f "$w/ours/server.pid" ]; then
    local pid; pid=$(cat "$w/ours/server.pid")
    if grep -q bench-server.jar "/proc/$pid/cmdline" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  fi
  if [ -f "$w/ref/dc/run/master.pid" ]; then
    doveadm -c "$w/ref/dc/dovecot.conf" stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 "$here/bench.py" "$@"
