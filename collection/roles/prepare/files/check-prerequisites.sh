#!/bin/sh
# Says what the ltsp.images modules still lack on this host: one "PACKAGE: why" line each, nothing when all is there.
# A fixed check run by the prepare role; it changes nothing.
need() {
  command -v "$1" >/dev/null 2>&1 || echo "$2: $1 not found"
}
if command -v node >/dev/null 2>&1; then
  version=$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)
  major=${version%%.*}
  minor=${version#*.}
  minor=${minor%%.*}
  if [ "$major" -lt 18 ] || { [ "$major" -eq 18 ] && [ "$minor" -lt 19 ]; }; then
    echo "nodejs: node $version is older than 18.19"
  fi
else
  echo "nodejs: node not found"
fi
need mksquashfs squashfs-tools
need unsquashfs squashfs-tools
need unshare util-linux
need blkid util-linux
need ionice util-linux
need sfdisk fdisk
need mount mount
need losetup mount
need logger bsdutils
