#!/bin/sh
# As the official Redis image does: without a configuration file Redis 7 starts in protected
# mode and refuses every client outside the container. The compose network is the boundary
# (Redis has no published port), so protected mode goes off; a password, when set with
# --requirepass, still applies.
set -eu
case ${1:-} in
  -*) set -- redis-server "$@" ;;
esac
if [ "${1:-}" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
