#!/usr/bin/env bash
# A shoal cluster on this machine, one network namespace per node (needs root and `ip`).
#
#   scripts/testbed.sh up N     start N nodes: node1 inits, node2-3 join as managers, the rest
#                               as workers; prints how to reach each
#   scripts/testbed.sh down     stop every daemon, remove the namespaces, links and data
#   scripts/testbed.sh cut I    cut node I off (its veth on the bridge down: silent partition)
#   scripts/testbed.sh heal I   reconnect node I
#   scripts/testbed.sh kill I   kill -9 node I's daemon (its tasks die with it)
#   scripts/testbed.sh start I  start node I's daemon again on its data dir
#   scripts/testbed.sh status   nodes, links and daemons
#
# Node I lives in netns shoal-bed-I at 10.78.0.I/24, its veth's other end is nI on bridge
# br0 in netns shoal-bed-hub (not the root namespace: with br_netfilter loaded, Docker's
# FORWARD DROP policy would drop bridged traffic there). Data, sockets and logs are in
# $SHOAL_TESTBED_DIR (default /tmp/shoal-testbed). SHOAL=path/to/shoal picks the binary;
# otherwise it is built with cargo.
set -euo pipefail

DIR=${SHOAL_TESTBED_DIR:-/tmp/shoal-testbed}
HUB=shoal-bed-hub
NET=10.78.0

die() { echo "testbed: $*" >&2; exit 1; }
ns() { echo "shoal-bed-$1"; }
sock() { echo "$DIR/node$1/shoal.sock"; }
nodes() { ls "$DIR" 2>/dev/null | sed -n 's/^node\([0-9]*\)$/\1/p' | sort -n; }
cli() { local i=$1; shift; "$SHOAL" -H "unix://$(sock "$i")" "$@"; }

find_shoal() {
    if [[ -z ${SHOAL:-} ]]; then
        local root
        root=$(cd "$(dirname "$0")/.." && pwd)
        (cd "$root" && cargo build -q -p shoal --bin shoal)
        SHOAL=${CARGO_TARGET_DIR:-$root/target}/debug/shoal
    fi
    [[ -x $SHOAL ]] || die "no shoal binary at $SHOAL"
    echo "$SHOAL" >"$DIR/shoal-path"
}

# The daemon's pid, if that pid is still a shoal daemon.
daemon_pid() {
    local f="$DIR/node$1/pid" pid
    [[ -f $f ]] || return 1
    pid=$(cat "$f")
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(cat "$DIR/shoal-path")"* ]] || return 1
    echo "$pid"
}

start() {
    local i=$1 d="$DIR/node$1"
    [[ -d $d ]] || die "no node $i"
    if daemon_pid "$i" >/dev/null; then die "node$i is already running"; fi
    rm -f "$(sock "$i")"
    # sh writes its pid then execs ip, which execs the daemon: the pid file is the daemon's.
    setsid sh -c 'echo $$ >"$0"; exec "$@"' "$d/pid" \
        ip netns exec "$(ns "$i")" "$SHOAL" daemon --data-dir "$d/data" \
        -H "unix://$(sock "$i")" --executor process --hostname "node$i" \
        </dev/null >>"$d/daemon.log" 2>&1 &
    for _ in $(seq 300); do
        cli "$i" info >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "node$i's daemon did not answer; see $d/daemon.log"
}

up() {
    local n=${1:-}
    [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 250 ]] || die "usage: $0 up N (1-250)"
    [[ -e $DIR ]] && die "$DIR exists: run '$0 down' first"
    [[ -e /run/netns/$HUB ]] && die "netns $HUB exists: run '$0 down' first"
    mkdir -p "$DIR"
    find_shoal
    ip netns add "$HUB"
    ip -n "$HUB" link add br0 type bridge
    ip -n "$HUB" link set br0 up
    for i in $(seq "$n"); do
        mkdir -p "$DIR/node$i"
        ip netns add "$(ns "$i")"
        ip link add name "n$i" netns "$HUB" type veth peer name eth0 netns "$(ns "$i")"
        ip -n "$HUB" link set "n$i" master br0 up
        ip -n "$(ns "$i")" link set lo up
        ip -n "$(ns "$i")" addr add "$NET.$i/24" dev eth0
        ip -n "$(ns "$i")" link set eth0 up
        start "$i"
    done
    cli 1 swarm init --listen-addr "$NET.1:2377" --advertise-addr "$NET.1:2377" >/dev/null
    local mtoken wtoken
    mtoken=$(cli 1 swarm join-token -q manager)
    wtoken=$(cli 1 swarm join-token -q worker)
    for i in $(seq 2 "$n"); do
        if ((i <= 3)); then
            cli "$i" swarm join --token "$mtoken" --listen-addr "$NET.$i:2377" \
                --advertise-addr "$NET.$i:2377" "$NET.1:2377"
        else
            cli "$i" swarm join --token "$wtoken" --advertise-addr "$NET.$i" "$NET.1:2377"
        fi
    done
    echo
    for i in $(seq "$n"); do
        echo "node$i  $NET.$i  netns $(ns "$i")  log $DIR/node$i/daemon.log"
        echo "    SHOAL_HOST=unix://$(sock "$i") $SHOAL node ls"
    done
}

down() {
    local i pid
    if [[ -d $DIR ]]; then
        for i in $(nodes); do
            if pid=$(daemon_pid "$i"); then kill -9 "$pid" || true; fi
        done
    fi
    # Whatever is left in the namespaces (tasks that outlived their daemon), then them.
    for n in $(ip netns list | awk '$1 ~ /^shoal-bed-/ {print $1}'); do
        for pid in $(ip netns pids "$n"); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$n"
    done
    rm -rf "$DIR"
}

link() {
    local i=${2:-}
    [[ -d $DIR/node$i ]] || die "no node '$i'"
    ip -n "$HUB" link set "n$i" "$1"
}

status() {
    local i state d
    for i in $(nodes); do
        state=$(ip -n "$HUB" -br link show "n$i" | awk '{print $2}')
        if daemon_pid "$i" >/dev/null; then d="daemon pid $(daemon_pid "$i")"; else d="daemon stopped"; fi
        echo "node$i  $NET.$i  link $state  $d"
    done
}

[[ $(id -u) == 0 ]] || die "needs root (ip netns)"
cmd=${1:-}
[[ -n $cmd ]] && shift
case $cmd in
up) up "$@" ;;
down) down ;;
cut) link down "$@" ;;
heal) link up "$@" ;;
kill)
    pid=$(daemon_pid "${1:-}") || die "node${1:-} is not running"
    kill -9 "$pid"
    ;;
start)
    SHOAL=$(cat "$DIR/shoal-path")
    start "${1:-}"
    ;;
status) status ;;
*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
