#!/usr/bin/env bash
# Builds shoal, starts a single-node swarm (process executor: needs nothing but this
# machine, as root), runs a 3-replica demo service and a 2-replica web service that
# publishes port 8080 through the routing mesh, shows them with `shoal service ls` and
# `ps`, and ends by fetching pages through the published port, answered by both web
# tasks. Rerunning it restarts the demo daemon on the same state.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/shoal-target}"
DEMO="${SHOAL_DEMO_DIR:-/tmp/shoal-demo}"
HOST="unix://$DEMO/shoal.sock"

command -v cargo >/dev/null || { echo "demo: needs Rust's cargo (https://rustup.rs)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: run it as root (tasks get network namespaces, the mesh nftables rules)" >&2; exit 1; }
# The web tasks serve with busybox's httpd; the mesh is programmed with nft and netlink.
missing=()
command -v busybox >/dev/null || missing+=(busybox-static)
command -v nft >/dev/null || missing+=(nftables)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "==> building shoal (release)"
cargo build --release -p shoal
SHOAL="$CARGO_TARGET_DIR/release/shoal"
mkdir -p "$DEMO"

# Stop a daemon left by a previous run of this demo.
if [ -f "$DEMO/daemon.pid" ] && kill -0 "$(cat "$DEMO/daemon.pid")" 2>/dev/null; then
  echo "==> stopping the previous demo daemon"
  kill "$(cat "$DEMO/daemon.pid")"
  while kill -0 "$(cat "$DEMO/daemon.pid")" 2>/dev/null; do sleep 0.1; done
fi

echo "==> starting: shoal daemon --data-dir $DEMO/data -H $HOST --executor process"
"$SHOAL" daemon --data-dir "$DEMO/data" -H "$HOST" --executor process >"$DEMO/daemon.log" 2>&1 &
echo $! >"$DEMO/daemon.pid"
for _ in $(seq 1 100); do
  "$SHOAL" -H "$HOST" version >/dev/null 2>&1 && break
  sleep 0.1
done

if ! "$SHOAL" -H "$HOST" info 2>/dev/null | grep -q "Swarm: active"; then
  echo "==> shoal swarm init"
  "$SHOAL" -H "$HOST" swarm init
fi
if ! "$SHOAL" -H "$HOST" service inspect demo >/dev/null 2>&1; then
  echo "==> shoal service create --name demo --replicas 3 busybox sh -c 'while sleep 5; do date; done'"
  "$SHOAL" -H "$HOST" service create --name demo --replicas 3 busybox sh -c 'while sleep 5; do date; done'
fi
WEB_CMD='d=$(mktemp -d); hostname -I > $d/index.html; exec busybox httpd -f -p 80 -h $d'
if ! "$SHOAL" -H "$HOST" service inspect web >/dev/null 2>&1; then
  echo "==> shoal service create --name web --replicas 2 -p 8080:80 busybox sh -c '$WEB_CMD'"
  "$SHOAL" -H "$HOST" service create --name web --replicas 2 -p 8080:80 busybox sh -c "$WEB_CMD"
fi
echo "==> shoal service ls"
"$SHOAL" -H "$HOST" service ls
echo "==> shoal service ps demo"
"$SHOAL" -H "$HOST" service ps demo
# One HTTP GET through the published port, with bash alone; prints the body.
fetch() {
  exec 3<>/dev/tcp/127.0.0.1/8080 || return 1
  printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  local body
  body=$(cat <&3) || return 1
  exec 3<&-
  case "$body" in "HTTP/1."*" 200 "*) printf '%s\n' "$body" | tail -n 1 ;; *) return 1 ;; esac
}
echo "==> fetching http://127.0.0.1:8080/ through the routing mesh (each web task answers with its address)"
for _ in $(seq 1 100); do fetch >/dev/null 2>&1 && break; sleep 0.1; done
answers=$(for _ in $(seq 1 20); do fetch; done | sort | uniq -c)
printf '%s\n' "$answers"
[ "$(printf '%s\n' "$answers" | grep -c .)" -ge 2 ] || { echo "demo: expected both web tasks to answer" >&2; exit 1; }
cat <<TXT

The daemon keeps running (pid $(cat "$DEMO/daemon.pid"), log $DEMO/daemon.log). Try:
  curl http://127.0.0.1:8080/              # the mesh: any of the node's addresses
  $SHOAL -H $HOST service scale demo=5
  DOCKER_HOST=$HOST docker service ps demo
  kill $(cat "$DEMO/daemon.pid")        # stop it (state is kept in $DEMO/data)
TXT
