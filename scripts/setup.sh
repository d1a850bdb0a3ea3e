#!/usr/bin/env bash
# Installs what the modules, the demo and the tests need on a Debian or Ubuntu machine: apt packages (as root) and npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(squashfs-tools ansible-core ansible-lint util-linux mount fdisk e2fsprogs dosfstools openssh-client openssh-server openssl perl debootstrap systemd python3 tmux ltsp qemu-system-x86 qemu-utils cpio libcap2-bin cryptsetup-bin btrfs-progs)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run this again:  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>18||(a===18&&b>=19)?0:1)'; then
  echo "Node.js 18.19 or later is needed (found: $(node --version 2>/dev/null || echo none)); install it, e.g. apt-get install nodejs npm on Debian 13 / Ubuntu 24.04" >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "npm is needed: apt-get install npm" >&2
  exit 1
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "Installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
