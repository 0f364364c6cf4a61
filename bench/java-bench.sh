#!/bin/sh
# Runs one of the Java benchmark mains kept in a module's test sources (not part of `mvn test`):
#   bench/java-bench.sh MODULE CLASS [ARGS...]
# Compiles MODULE and what it needs, writes its test class path to MODULE/target/bench.cp, then runs
# CLASS with logging off. JAVA_OPTS is passed to the JVM (e.g. JAVA_OPTS=-Xmx64m).
set -eu
cd "$(dirname "$0")/.."
module=$1
main=$2
shift 2
mvn -q -pl "$module" -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$module/target/bench.cp"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:-} -Dlogback.configurationFile=/dev/null \
    -cp "$module/target/test-classes:$module/target/classes:$(cat "$module/target/bench.cp")" "$main" "$@"
