#!/usr/bin/env bash
# Large messages over TLS, N times each (issue: "100 of 100"): the same test classes CI runs once, with
# -Dtls.repeat=N and JUnit's per-test timeouts off. Each repetition covers:
#
#   Pop3LargeTlsTest         POP3S fast reader 7 MB; STLS fast reader 7 MB; slow reader 7 MB over POP3S and STLS;
#                            fast reader 50 MB over POP3S and STLS; slow reader 50 MB over POP3S and STLS
#   Pop3LargeTlsClientsTest  Angus Mail, curl and fetchmail: 7 MB and 50 MB, each over POP3S and STLS
#   SmtpLargeTlsTest         50 MB in: fast Java client and curl, each on submission+STARTTLS and on SMTPS
#   OutboundLargeTlsTest     50 MB out through the queue runner to a STARTTLS peer
#
# Every transfer is compared by SHA-256; any failure fails the class. Run from anywhere, after one build
# (mvn -q -DskipTests package fetches what is needed; the runs are offline):
#
#   bench/tls-large.sh [N] [class ...]       N defaults to 100; classes default to all four
#
# Takes hours for N=100 on a small machine; prints one line per class as it finishes. Not part of `mvn test`.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-100}
shift || true
classes=("$@")
if [ ${#classes[@]} -eq 0 ]; then
  classes=(Pop3LargeTlsTest Pop3LargeTlsClientsTest SmtpLargeTlsTest OutboundLargeTlsTest)
fi

printf '%-26s %8s %8s %10s  %s\n' class repeats result seconds report
status=0
for c in "${classes[@]}"; do
  case $c in
    Pop3*) module=pop3 ;;
    *) module=mta ;;
  esac
  start=$(date +%s)
  if mvn -q -B -o -pl "$module" -am test -Dtest="$c" -Dsurefire.failIfNoSpecifiedTests=false \
       -Dtls.repeat="$n" -Djunit.jupiter.execution.timeout.mode=disabled >"/tmp/tls-large-$c.log" 2>&1; then
    result=passed
  else
    result=FAILED
    status=1
  fi
  report=$(find "$module/target/surefire-reports" -name "TEST-*.$c.xml" | head -1)
  printf '%-26s %8s %8s %10s  %s\n' "$c" "$n" "$result" "$(( $(date +%s) - start ))" "${report:-/tmp/tls-large-$c.log}"
done
exit $status
