#!/usr/bin/env bash
# Install the headless browser the HTML report's browser test uses (tests/browser/):
# Debian's chromium package and a font with Vietnamese glyphs (DejaVu Sans).
#
# Idempotent: exits 0 at once when everything is already installed; otherwise runs
# `apt-get update` once and installs what is missing. Needs root (or sudo).
# Used by .ci/run; safe to run by hand:  bash tools/install-chromium.sh
set -euo pipefail

PACKAGES=(chromium fonts-dejavu-core)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ] && [ -x /usr/bin/chromium ]; then
  echo "install-chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: apt-get not found; install Chromium as /usr/bin/chromium by hand" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-chromium: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-chromium: installed ${missing[*]} ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
