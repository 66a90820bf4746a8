#!/usr/bin/env bash
# Install Debian's Chromium (and CJK fonts, so Korean renders in screenshots) when missing.
set -euo pipefail
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || packages+=(fonts-noto-cjk)
[ ${#packages[@]} -eq 0 ] && exit 0
echo "Installing ${packages[*]} for the browser tests..."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
