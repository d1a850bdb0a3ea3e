#!/bin/sh
# Says what the ltsp.images modules still lack on this host: one "PACKAGE: why" line each, nothing when all is there.
# A fixed check run by the prepare role; it changes nothing.
need() {
  command -v "$1" >/dev/null 2>&1 || echo "$2: $1 not found"
}
# The modules start with #!/usr/bin/node; LTSP_NODE is the host's ansible_node_interpreter when one is set.
node=${LTSP_NODE:-/usr/bin/node}
if [ -x "$node" ]; then
  version=$("$node" -p 'process.versions.node' 2>/dev/null || echo 0.0.0)
  major=${version%%.*}
  minor=${version#*.}
  minor=${minor%%.*}
  if [ "$major" -lt 18 ] || { [ "$major" -eq 18 ] && [ "$minor" -lt 19 ]; }; then
    echo "nodejs: $node is $version, older than 18.19"
  fi
else
  echo "nodejs: $node not found (or set ansible_node_interpreter to a Node.js 18.19 or later)"
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
# LTSP_BOOT_CHECK is set when an image of this host declares boot_check: what booting it in QEMU needs.
if [ -n "${LTSP_BOOT_CHECK:-}" ]; then
  need qemu-system-x86_64 qemu-system-x86
  need mkfs.ext4 e2fsprogs
  need setpriv util-linux
fi
