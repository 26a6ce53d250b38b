#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser): installs the
# `chromium` package with apt-get if /usr/bin/chromium is missing, then prints
# its version. Playwright drives it through its executable path; the tests
# never download a browser of their own (no `playwright install`).
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Chromium (Debian package)..." >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >&2
fi
# (Debian's launcher script warns on stderr about its memory check: not ours.)
"$CHROMIUM" --version 2>/dev/null
