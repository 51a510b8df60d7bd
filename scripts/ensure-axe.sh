#!/usr/bin/env bash
# The accessibility audit injects axe-core (npm, pinned by package-lock.json) into each page.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e/axe"
if [ -f node_modules/axe-core/axe.min.js ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
  echo "Installing Debian's npm for the accessibility audit..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
fi
npm ci --no-audit --no-fund --silent
