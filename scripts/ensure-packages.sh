#!/usr/bin/env bash
# Install the Debian packages the tests use, when missing: Chromium and CJK fonts (browser
# tests, so Korean renders in screenshots), nginx and PostgreSQL (the cluster test), Redis
# (the rate limiter's test against a real Redis), curl (its --aws-sigv4 signs the API-key tests' requests),
# faketime (the cluster test runs instances with their clocks a few seconds off);
# then axe-core from npm into node_modules/ (the browser tests' accessibility check injects it into pages).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
# Not grep -q: it would exit early and fail the pipeline (pipefail) with SIGPIPE.
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || packages+=(fonts-noto-cjk)
[ -x /usr/sbin/nginx ] || packages+=(nginx)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || packages+=(postgresql)
[ -x /usr/bin/redis-server ] || packages+=(redis-server)
command -v msgfmt >/dev/null || packages+=(gettext)
command -v curl >/dev/null || packages+=(curl)
command -v faketime >/dev/null || packages+=(faketime)
command -v npm >/dev/null || packages+=(npm)
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing ${packages[*]} for the tests..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
# The version package.json pins; installed again when it changes.
axe_wanted=$(sed -n 's/.*"axe-core": "\([^"]*\)".*/\1/p' package.json)
axe_installed=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' node_modules/axe-core/package.json 2>/dev/null || true)
if [ "$axe_wanted" != "$axe_installed" ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "Installing axe-core $axe_wanted from npm for the accessibility check..."
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
