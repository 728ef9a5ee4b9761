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

# An AppCDS archive of the classes a node loads to start and serve (raftkv.server.tools.ClassWarmup): a node started
# from it is serving in about half the time (measured: 2.5 s to 1.4 s from start to healthy). The JVM takes it only
# for the jars it was made from, so it is made again after each build of the server. RAFTKV_CDS=off goes without.
node_archive="$root/server/target/raftkv-node.jsa"

ensure_node_archive() {
  if [ "${RAFTKV_CDS:-on}" = off ]; then return 0; fi
  if [ -s "$node_archive" ] && [ -z "$(find "$(server_jar)" "$root/server/target/lib" -newer "$node_archive" \
       -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  echo "making the class archive nodes start from (once per build, about 10 s)..." >&2
  local tmp="$node_archive.$$"
  rm -f "$tmp"
  if java $RAFTKV_JAVA_OPTS -XX:ArchiveClassesAtExit="$tmp" -Xlog:cds=off -Xlog:cds+dynamic=off \
       -cp "$(server_classpath)" raftkv.server.tools.ClassWarmup >"$root/server/target/raftkv-node-warmup.log" 2>&1 \
     && [ -s "$tmp" ]; then
    mv -f "$tmp" "$node_archive"
  else
    rm -f "$tmp"
    echo "(no class archive, see server/target/raftkv-node-warmup.log: nodes start without it)" >&2
  fi
}

# The JVM options of a node: RAFTKV_JAVA_OPTS, and the class archive when there is one.
node_java_opts() {
  echo "$RAFTKV_JAVA_OPTS"
  if [ "${RAFTKV_CDS:-on}" != off ] && [ -s "$node_archive" ]; then
    echo "-XX:SharedArchiveFile=$node_archive -Xlog:cds=off -Xlog:cds+dynamic=off"
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
