# Shared by the scripts: where things live and how to build on first use.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RAFTKV_JAVA_OPTS="${RAFTKV_JAVA_OPTS:--Xmx1g -XX:+UseG1GC}"

server_jar() {
  { ls "$root"/server/target/server-*.jar 2>/dev/null || true; } | grep -v -- '-sources' | head -1
}

server_classpath() {
  echo "$(server_jar):$root/server/target/lib/*"
}

# Builds the server and its modules if the jars are missing (first use after a clone).
ensure_built() {
  if [ -z "$(server_jar)" ] || [ ! -d "$root/server/target/lib" ]; then
    echo "building raftkv (first use; this takes a minute)..." >&2
    (cd "$root" && mvn -B -q -DskipTests -pl server -am package) >&2
  fi
}

client_jar() {
  { ls "$root"/client/target/client-*.jar 2>/dev/null || true; } | grep -v -- '-sources' | head -1
}

# Builds the client (kvctl) if its jar is missing.
ensure_client_built() {
  if [ -z "$(client_jar)" ] || [ ! -d "$root/client/target/lib" ]; then
    echo "building kvctl (first use)..." >&2
    (cd "$root" && mvn -B -q -DskipTests -pl client -am package) >&2
  fi
}

bench_jar() {
  { ls "$root"/benchmark/target/benchmark-*.jar 2>/dev/null || true; } | grep -v -- '-sources' | head -1
}

# Builds the benchmark (Bench, Compare, SecurityCost) if its jar is missing.
ensure_bench_built() {
  if [ -z "$(bench_jar)" ] || [ ! -d "$root/benchmark/target/lib" ]; then
    echo "building the benchmark (first use)..." >&2
    (cd "$root" && mvn -B -q -DskipTests -pl benchmark -am package) >&2
  fi
}
