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

# Builds the benchmark (Bench, Compare, Curve, PlotCurve, SecurityCost) if its jar is missing.
ensure_bench_built() {
  if [ -z "$(bench_jar)" ] || [ ! -d "$root/benchmark/target/lib" ]; then
    echo "building the benchmark (first use)..." >&2
    (cd "$root" && mvn -B -q -DskipTests -pl benchmark -am package) >&2
  fi
}

# raftkv and etcd side by side on this machine (scripts/bench-vs-etcd, scripts/bench-curve). First
# side_by_side_prepare, then side_by_side_start DIR TOKEN, then the benchmark against "$etcd_eps" and raftkv's
# local ports; side_by_side_stop (also run on exit) stops both.

# Refuses when something already serves raftkv's client port; installs etcd-server from Debian if etcd is missing;
# builds the server and the benchmark on first use.
side_by_side_prepare() {
  if curl -s -o /dev/null --max-time 1 http://127.0.0.1:2379/health; then
    echo "something already serves on 127.0.0.1:2379 (a local raftkv cluster?): stop it first" \
         "(scripts/raftkv-cluster stop)" >&2
    exit 2
  fi

  if ! command -v etcd >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "etcd is not installed and this is not root: apt-get install etcd-server first" >&2
      exit 2
    fi
    echo "installing etcd-server from Debian's packages..." >&2
    # Keep the package from starting its own etcd on 2379 (policy-rc.d says no to every service start).
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq etcd-server >/dev/null
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi

  ensure_built
  ensure_bench_built
}

# Starts a fresh 3-node etcd on loopback (ports 42379/42380, 42479/42480, 42579/42580; data in DIR/etcd-i, fsync
# on as by default; TOKEN names the cluster) and a fresh 3-node raftkv (the local cluster's ports, data in
# DIR/raftkv), logs in DIR/logs; waits until etcd is healthy, sets etcd_eps (comma-separated) and prints both
# clusters' endpoints. DIR is emptied first.
side_by_side_start() {
  side_by_side_dir="$1"
  local token="$2" cluster i c p e
  rm -rf "$side_by_side_dir"
  mkdir -p "$side_by_side_dir/logs"
  etcd_pids=()
  trap side_by_side_stop EXIT INT TERM

  cluster="e1=http://127.0.0.1:42380,e2=http://127.0.0.1:42480,e3=http://127.0.0.1:42580"
  etcd_eps=""
  for i in 1 2 3; do
    c=$((42279 + i * 100)); p=$((c + 1))
    etcd --name "e$i" --data-dir "$side_by_side_dir/etcd-$i" \
      --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
      --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
      --initial-cluster "$cluster" --initial-cluster-token "$token" --initial-cluster-state new \
      >"$side_by_side_dir/logs/etcd-$i.log" 2>&1 &
    etcd_pids+=($!)
    etcd_eps="$etcd_eps${etcd_eps:+,}http://127.0.0.1:$c"
  done

  RAFTKV_DATA="$side_by_side_dir/raftkv" RAFTKV_LOGS="$side_by_side_dir/logs" "$root/scripts/raftkv-cluster" \
    start 3 >/dev/null

  for e in ${etcd_eps//,/ }; do
    for _ in $(seq 1 60); do
      curl -s --max-time 1 "$e/health" | grep -q '"health":"true"' && break
      sleep 0.5
    done
  done
  echo "etcd $(etcd --version | head -1 | awk '{print $3}') at $etcd_eps; raftkv at" \
       "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379"
}

# Stops what side_by_side_start started; running it twice does no harm.
side_by_side_stop() {
  local p
  for p in "${etcd_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  RAFTKV_DATA="$side_by_side_dir/raftkv" RAFTKV_LOGS="$side_by_side_dir/logs" "$root/scripts/raftkv-cluster" \
    stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
}
