#!/usr/bin/env bash
# Install the Debian packages the tests use, when missing: Chromium and CJK fonts (browser
# tests, so Korean renders in screenshots), nginx and PostgreSQL (the cluster test), Redis
# (the rate limiter's test against a real Redis), curl (its --aws-sigv4 signs the API-key tests' requests).
set -euo pipefail
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
# Not grep -q: it would exit early and fail the pipeline (pipefail) with SIGPIPE.
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || packages+=(fonts-noto-cjk)
[ -x /usr/sbin/nginx ] || packages+=(nginx)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || packages+=(postgresql)
[ -x /usr/bin/redis-server ] || packages+=(redis-server)
command -v msgfmt >/dev/null || packages+=(gettext)
command -v curl >/dev/null || packages+=(curl)
[ ${#packages[@]} -eq 0 ] && exit 0
echo "Installing ${packages[*]} for the tests..."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
