#!/bin/sh
# Runs on a booted LTSP client: how its root is mounted, and which accounts, homes and password hashes the raw image layer holds.
# The live /etc/passwd is no evidence: `ltsp init` merges the server's accounts into it. The squashfs itself is.
m=ltsp-boot-check:
layer=/run/initramfs/ltsp/0/looproot

echo "$m root_fstype=$(findmnt -n -o FSTYPE /)"
echo "$m root_lowerdir=$(findmnt -n -o OPTIONS / | tr ',' '\n' | sed -n 's/^lowerdir=//p')"
echo "$m layer_fstype=$(findmnt -n -o FSTYPE "$layer")"
source=$(findmnt -n -o SOURCE "$layer")
echo "$m layer_source=$source"
echo "$m layer_backing_file=$(cat "/sys/block/${source#/dev/}/loop/backing_file" 2>/dev/null)"

# UID_MIN..UID_MAX as the image's login.defs says, Debian's defaults otherwise.
uid_min=$(awk '$1 == "UID_MIN" { print $2 }' "$layer/etc/login.defs")
uid_max=$(awk '$1 == "UID_MAX" { print $2 }' "$layer/etc/login.defs")
echo "$m normal_users=$(awk -F: -v lo="${uid_min:-1000}" -v hi="${uid_max:-60000}" \
    '$3 >= lo && $3 <= hi { printf "%s%s", sep, $1; sep = "," }' "$layer/etc/passwd")"
echo "$m home_entries=$(find "$layer/home" -mindepth 1 | sed "s|^$layer/||" | paste -sd, -)"
# A field made only of ! and * holds no hash; an empty one is a password-less account, just as bad.
echo "$m shadow_accounts=$(grep -c . "$layer/etc/shadow")"
echo "$m shadow_hashes=$(awk -F: '$2 !~ /^[!*]+$/ { printf "%s%s", sep, $1; sep = "," }' "$layer/etc/shadow")"
echo "$m gshadow_passwords=$(awk -F: '$2 !~ /^[!*]*$/ { printf "%s%s", sep, $1; sep = "," }' "$layer/etc/gshadow")"
