#!/usr/bin/env bash
# Base images made from Debian packages, for hosts that cannot pull from a registry.
#
#   sudo deploy/images/make-base-images.sh            # both images
#   sudo deploy/images/make-base-images.sh python     # only the Python one
#
# Builds, with mmdebstrap and `docker import`, two images that stand in for the official ones:
#
#   spikeglyph/python:3.11-bookworm  Debian bookworm's Python 3.11 with pip and venv, on the
#                                    official image's paths: `python`, `python3` and `pip` on
#                                    PATH in /usr/local/bin. Use with --build-arg BASE_IMAGE=…
#   spikeglyph/redis:7-bookworm      Debian's redis-server and redis-cli, running as `redis`
#                                    in /data. Use with REDIS_IMAGE=… for docker compose.
#
# Only Debian's archive must answer (MIRROR, default http://deb.debian.org/debian; an apt proxy
# or a local mirror works the same). Needs root (or working user namespaces), mmdebstrap and a
# running Docker engine. Set PYTHON_TAG / REDIS_TAG to name the images differently.
set -euo pipefail

SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PYTHON_TAG=${PYTHON_TAG:-spikeglyph/python:3.11-bookworm}
REDIS_TAG=${REDIS_TAG:-spikeglyph/redis:7-bookworm}

HERE=$(cd "$(dirname "$0")" && pwd)

say() { printf 'base-images | %s\n' "$*"; }
die() { printf 'base-images | error: %s\n' "$*" >&2; exit 1; }

command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
docker info >/dev/null 2>&1 || die "no Docker engine answers: start dockerd first"

# Documentation, man pages and translations are a third of a minimal system and no container
# reads them; copyright files stay.
slim=(
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
  # /usr merged by mmdebstrap itself: the usrmerge package would bring 55 MB of Perl along.
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
)

# Streams a minimal root filesystem with the given packages into `docker import`.
make_image() {
  local tag=$1 include=$2 hook=$3
  shift 3
  say "building $tag from $SUITE ($include)…"
  mmdebstrap --quiet --variant=minbase --mode=auto --format=tar "${slim[@]}" \
    --include="$include" --customize-hook="$hook" \
    "$SUITE" - "$MIRROR" | docker import "$@" - "$tag" >/dev/null
  say "$tag: $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
}

python_image() {
  # The official image's layout: python, python3 and pip in /usr/local/bin. Debian marks its
  # Python "externally managed"; the images install only into their own virtual environment,
  # and pip in the builder stages only builds wheels.
  # shellcheck disable=SC2016  # the hook's $1 is mmdebstrap's root directory
  make_image "$PYTHON_TAG" python3,python3-venv,python3-pip,ca-certificates,passwd \
    'for n in python python3; do ln -sf /usr/bin/python3 "$1/usr/local/bin/$n"; done;
     ln -sf /usr/bin/pip3 "$1/usr/local/bin/pip"; rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]'
}

redis_image() {
  # /data belongs to redis before any volume is mounted there, so a fresh named volume takes
  # that owner and the server (not root) can write its append-only file.
  # shellcheck disable=SC2016  # the hook's $1 is mmdebstrap's root directory
  make_image "$REDIS_TAG" redis-server,redis-tools \
    'mkdir -p "$1/data" && chroot "$1" chown redis:redis /data; rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*;
     install -m 0755 "'"$HERE"'/redis-entrypoint.sh" "$1/usr/local/bin/docker-entrypoint.sh"' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'WORKDIR /data' \
    --change 'USER redis' \
    --change 'EXPOSE 6379' \
    --change 'CMD ["redis-server"]'
}

case ${1:-all} in
  python) python_image ;;
  redis) redis_image ;;
  all) python_image; redis_image ;;
  *) die "unknown image '$1' (python, redis or all)" ;;
esac
