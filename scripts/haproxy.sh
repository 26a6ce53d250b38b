#!/usr/bin/env bash
# HAProxy, the load balancer in front of several Rasa servers (make cluster):
#   scripts/haproxy.sh path    install Debian's haproxy if missing; print its path
# Its configuration is written by bot/cluster.py into var/run/haproxy.cfg.
set -euo pipefail
case "${1:-path}" in
  path)
    if ! command -v haproxy >/dev/null 2>&1; then
      echo "Installing HAProxy (Debian package haproxy)..." >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >&2
    fi
    command -v haproxy
    ;;
  *)
    echo "usage: $0 path" >&2
    exit 2
    ;;
esac
