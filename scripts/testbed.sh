#!/usr/bin/env bash
# A shoal cluster on this machine, one network namespace per node (needs root and `ip`).
#
#   scripts/testbed.sh up N [--engine]
#                               start N nodes: node1 inits, node2-3 join as managers, the rest
#                               as workers; prints how to reach each. --engine: each node gets
#                               a Docker Engine of its own in its namespace (the test image
#                               loaded into it) and its daemon runs with --executor docker
#   scripts/testbed.sh down     stop every daemon, remove the namespaces, links and data
#   scripts/testbed.sh cut I    cut node I off (its veth on the bridge down: silent partition)
#   scripts/testbed.sh heal I   reconnect node I
#   scripts/testbed.sh kill I   kill -9 node I's daemon (its processes die with it; the
#                               containers of its own engine stay, as on a real host)
#   scripts/testbed.sh start I  start node I's daemon again on its data dir
#   scripts/testbed.sh status   nodes, links and daemons
#
# Node I lives in netns shoal-bed-I at 10.78.0.I/24, its veth's other end is nI on bridge
# br0 in netns shoal-bed-hub (not the root namespace: with br_netfilter loaded, Docker's
# FORWARD DROP policy would drop bridged traffic there). Data, sockets and logs are in
# $SHOAL_TESTBED_DIR (default /tmp/shoal-testbed). SHOAL=path/to/shoal picks the binary;
# otherwise it is built with cargo.
#
# With --engine, node I's dockerd runs in its namespace (nsenter --net, plus a private mount
# namespace: `ip netns exec` would hide the cgroup mounts) with everything under
# $DIR/nodeI/engine: an empty config file (/etc/docker/daemon.json does not apply),
# --data-root, --exec-root (its own containerd), --pidfile, socket and log; vfs storage; its
# firewall rules on, in the node's namespace. Cutting a node cuts its containers' traffic
# too. The same layout as the Rust test bed (crates/testbed/src/bed/engine.rs).
set -euo pipefail

DIR=${SHOAL_TESTBED_DIR:-/tmp/shoal-testbed}
HUB=shoal-bed-hub
NET=10.78.0

die() { echo "testbed: $*" >&2; exit 1; }
ns() { echo "shoal-bed-$1"; }
sock() { echo "$DIR/node$1/shoal.sock"; }
nodes() { ls "$DIR" 2>/dev/null | sed -n 's/^node\([0-9]*\)$/\1/p' | sort -n; }
cli() { local i=$1; shift; "$SHOAL" -H "unix://$(sock "$i")" "$@"; }
edir() { echo "$DIR/node$1/engine"; }
ehost() { echo "unix://$(edir "$1")/docker.sock"; }
IMAGE=shoal-test/busybox:latest

# Node I's own Docker Engine: dockerd in its namespace, waited for, the test image loaded.
start_engine() {
    local i=$1 e
    e=$(edir "$i")
    mkdir -p "$e"
    echo '{}' >"$e/daemon.json"
    rm -f "$e/docker.sock"
    setsid nsenter --net="/run/netns/$(ns "$i")" \
        unshare --mount --propagation private dockerd --config-file "$e/daemon.json" \
        --data-root "$e/docker" --exec-root "$e/exec" --pidfile "$e/docker.pid" \
        -H "$(ehost "$i")" --storage-driver vfs --iptables=true --log-level warn \
        </dev/null >>"$e/dockerd.log" 2>&1 &
    for _ in $(seq 600); do
        docker -H "$(ehost "$i")" version >/dev/null 2>&1 && break
        sleep 0.1
    done
    docker -H "$(ehost "$i")" version >/dev/null 2>&1 ||
        die "node$i's dockerd did not answer; see $e/dockerd.log"
    docker save "$IMAGE" | docker -H "$(ehost "$i")" load -q >/dev/null ||
        die "loading $IMAGE into node$i's engine (bash scripts/build-test-image.sh builds it)"
}

# Stops node I's engine: its containers removed, dockerd SIGTERMed and waited for, then
# whatever is left of it in the namespace (containerd, shims and their children) killed.
stop_engine() {
    local i=$1 e pid ids p
    e=$(edir "$i")
    [[ -d $e ]] || return 0
    ids=$(docker -H "$(ehost "$i")" ps -aq 2>/dev/null || true)
    [[ -n $ids ]] && docker -H "$(ehost "$i")" rm -f $ids >/dev/null 2>&1 || true
    if [[ -f $e/docker.pid ]]; then
        pid=$(cat "$e/docker.pid")
        if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 200); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
        fi
    fi
    for p in $(ip netns pids "$(ns "$i")" 2>/dev/null); do
        case $(cat "/proc/$p/comm" 2>/dev/null) in
        dockerd* | containerd* | docker-proxy* | runc*)
            pkill -9 -P "$p" 2>/dev/null || true
            kill -9 "$p" 2>/dev/null || true
            ;;
        esac
    done
}

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
    local exec=(--executor process)
    [[ -d $(edir "$i") ]] && exec=(--executor docker --docker-host "$(ehost "$i")")
    # sh writes its pid then execs ip, which execs the daemon: the pid file is the daemon's.
    setsid sh -c 'echo $$ >"$0"; exec "$@"' "$d/pid" \
        ip netns exec "$(ns "$i")" "$SHOAL" daemon --data-dir "$d/data" \
        -H "unix://$(sock "$i")" "${exec[@]}" --hostname "node$i" \
        </dev/null >>"$d/daemon.log" 2>&1 &
    for _ in $(seq 300); do
        cli "$i" info >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "node$i's daemon did not answer; see $d/daemon.log"
}

up() {
    local n=${1:-} engine=${2:-}
    [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 250 ]] || die "usage: $0 up N [--engine] (N: 1-250)"
    [[ -z $engine || $engine == --engine ]] || die "usage: $0 up N [--engine]"
    if [[ -n $engine ]]; then
        for b in dockerd nsenter unshare docker; do
            command -v "$b" >/dev/null || die "--engine needs $b"
        done
        docker image inspect "$IMAGE" >/dev/null 2>&1 ||
            die "no $IMAGE in the machine's engine: run bash scripts/build-test-image.sh"
    fi
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
        [[ -n $engine ]] && start_engine "$i"
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
        if [[ -d $(edir "$i") ]]; then
            echo "    engine: DOCKER_HOST=$(ehost "$i") docker ps    (log $(edir "$i")/dockerd.log)"
        fi
    done
}

down() {
    local i pid
    if [[ -d $DIR ]]; then
        for i in $(nodes); do
            if pid=$(daemon_pid "$i"); then kill -9 "$pid" || true; fi
            stop_engine "$i"
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
        if [[ -d $(edir "$i") ]]; then
            local p
            p=$(cat "$(edir "$i")/docker.pid" 2>/dev/null || true)
            if [[ -n $p && $(cat "/proc/$p/comm" 2>/dev/null) == dockerd ]]; then
                d="$d, dockerd pid $p"
            else
                d="$d, dockerd stopped"
            fi
        fi
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
*) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
