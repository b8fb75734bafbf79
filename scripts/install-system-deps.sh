#!/usr/bin/env bash
# Debian/Ubuntu packages the tests need, each installed only when it is missing:
# Chromium for the browser tests (Playwright drives it; it never downloads a browser),
# nginx for the load-balancer test (tests/test_deploy.py starts its own on free ports) and
# a CJK font, so that Chinese text renders in the browser instead of boxes.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

missing=()
if [ ! -x "${PLAYGROUND_CHROMIUM:-/usr/bin/chromium}" ]; then missing+=(chromium); fi
if [ ! -x /usr/sbin/nginx ]; then missing+=(nginx); fi
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then missing+=(fonts-noto-cjk); fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

$SUDO apt-get update -qq
packages=()
for name in "${missing[@]}"; do
  # nginx-light: the small build where releases still have several; otherwise plain nginx.
  if [ "$name" = nginx ] && apt-cache show nginx-light >/dev/null 2>&1; then
    name=nginx-light
  fi
  packages+=("$name")
done
$SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
