#!/usr/bin/env bash
# Builds the local test image `shoal-test/busybox:latest` (and `busybox:latest` if absent)
# from the host's static busybox. No registry is needed: the image is `FROM scratch`.
# Idempotent: does nothing when the image already exists.
set -euo pipefail

IMAGE="shoal-test/busybox:latest"
ALIAS="busybox:latest"

image_exists() {
    docker image inspect "$1" >/dev/null 2>&1
}

# Demos run `docker service create busybox ...`: give them a local image of that name.
tag_alias() {
    if ! image_exists "$ALIAS"; then
        docker tag "$IMAGE" "$ALIAS"
        echo "tagged $ALIAS"
    fi
}

if image_exists "$IMAGE"; then
    echo "$IMAGE already exists"
    tag_alias
    exit 0
fi

is_static() {
    [ -x "$1" ] || return 1
    # `file` may be missing; ldd says "not a dynamic executable" for static binaries.
    if command -v file >/dev/null 2>&1; then
        file -L "$1" | grep -q 'statically linked'
    else
        ! ldd "$1" >/dev/null 2>&1
    fi
}

BUSYBOX=/bin/busybox
if ! is_static "$BUSYBOX"; then
    echo "installing busybox-static"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y busybox-static; then
        $SUDO apt-get update
        $SUDO apt-get install -y busybox-static
    fi
fi
if ! is_static "$BUSYBOX"; then
    echo "error: $BUSYBOX is not a static binary after installing busybox-static" >&2
    exit 1
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

cp "$BUSYBOX" "$workdir/busybox"
cat > "$workdir/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
DOCKERFILE

# The legacy builder needs no buildx plugin; use it unless buildx is available.
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi

docker build -t "$IMAGE" "$workdir"
tag_alias

echo "built $IMAGE"
