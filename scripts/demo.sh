#!/usr/bin/env bash
# Builds shoal, starts a single-node swarm (process executor: needs nothing but this
# machine), runs a 3-replica demo service, and shows it with `shoal service ls` and `ps`.
# Rerunning it restarts the demo daemon on the same state.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/shoal-target}"
DEMO="${SHOAL_DEMO_DIR:-/tmp/shoal-demo}"
HOST="unix://$DEMO/shoal.sock"

command -v cargo >/dev/null || { echo "demo: needs Rust's cargo (https://rustup.rs)" >&2; exit 1; }
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
echo "==> shoal service ls"
"$SHOAL" -H "$HOST" service ls
echo "==> shoal service ps demo"
"$SHOAL" -H "$HOST" service ps demo
cat <<TXT

The daemon keeps running (pid $(cat "$DEMO/daemon.pid"), log $DEMO/daemon.log). Try:
  $SHOAL -H $HOST service scale demo=5
  DOCKER_HOST=$HOST docker service ps demo
  kill $(cat "$DEMO/daemon.pid")        # stop it (state is kept in $DEMO/data)
TXT
