#!/usr/bin/env bash
# Debian/Ubuntu's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
set -euo pipefail
if [ -x "${PLAYGROUND_CHROMIUM:-/usr/bin/chromium}" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
