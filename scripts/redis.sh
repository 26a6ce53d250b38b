#!/usr/bin/env bash
# Redis for `python -m bot run --servers N` (make cluster) and the cluster tests:
#   scripts/redis.sh path    install Debian's redis-server if missing; print its path
# The server itself is started by the cluster (bot/cluster.py): on loopback,
# its data in var/redis-<port>/, watched like every other service.
set -euo pipefail
case "${1:-path}" in
  path)
    if ! command -v redis-server >/dev/null 2>&1; then
      echo "Installing Redis (Debian package redis-server)..." >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
    fi
    command -v redis-server
    ;;
  *)
    echo "usage: $0 path" >&2
    exit 2
    ;;
esac
