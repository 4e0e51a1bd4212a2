#!/usr/bin/env bash
# mmdebstrap customize hook: runs on the build host with the new root file system as $1.
# Puts Node 20, the staged engine, appliance/ and the firmware scripts into it.
source "${PILLARBOX_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/packer/scripts/common.sh"
ROOT=$1
APP=$REPO/appliance
[ -d "$ROOT/etc" ] || die "customize: $ROOT is not a root file system"

log "customize: Node $(node --version), engine, appliance files"
# Debian bookworm ships Node 18; the engine needs Node 20. The build host's Node 20 binary
# (self-contained, links only glibc and libstdc++) is copied in, and the engine's native
# modules (better-sqlite3) were built against that same binary, so the ABI matches.
install -m 0755 "$(readlink -f "$(command -v node)")" "$ROOT/usr/local/bin/node"

mkdir -p "$ROOT/opt/pillarbox"
cp -a "$WORK/engine/." "$ROOT/opt/pillarbox/"
mkdir -p "$ROOT/opt/pillarbox/docs"
[ -f "$REPO/docs/appliance.md" ] && install -m 0644 "$REPO/docs/appliance.md" "$ROOT/opt/pillarbox/docs/"
chown -R root:root "$ROOT/opt/pillarbox"

install -d "$ROOT/etc/pillarbox"
install -m 0644 "$APP/engine.env" "$ROOT/etc/pillarbox/engine.env"
echo "${PILLARBOX_IMAGE_VERSION:-dev}" >"$ROOT/etc/pillarbox/version"
install -m 0644 "$APP/systemd/"*.service "$APP/systemd/"*.path "$ROOT/etc/systemd/system/"
install -m 0644 "$APP/network/"*.network "$ROOT/etc/systemd/network/"
install -m 0755 "$APP/nftables.conf" "$ROOT/etc/nftables.conf"
sed -e "s/@DATA_PARTUUID@/$UUID_DATA/" -e "s/@CONFIG_PARTUUID@/$UUID_CONFIG/" "$APP/fstab" >"$ROOT/etc/fstab"
install -m 0755 "$APP/sbin/"* "$ROOT/usr/local/sbin/"
install -d "$ROOT/usr/local/lib/pillarbox" "$ROOT/config" "$ROOT/var/lib/pillarbox"
install -m 0644 "$REPO/firmware-scripts/lib.sh" "$ROOT/usr/local/lib/pillarbox/firmware-lib.sh"
install -m 0644 "$REPO/firmware-scripts/data-access.sh" "$ROOT/usr/local/lib/pillarbox/data-access.sh"
for tool in update factory-reset backup restore flash; do
  [ -f "$REPO/firmware-scripts/$tool" ] || { log "warning: firmware-scripts/$tool missing"; continue; }
  sed 's#^source .*lib\.sh.*$#source /usr/local/lib/pillarbox/firmware-lib.sh#' \
    "$REPO/firmware-scripts/$tool" >"$ROOT/usr/local/sbin/pillarbox-$tool"
  chmod 0755 "$ROOT/usr/local/sbin/pillarbox-$tool"
done

chroot "$ROOT" /bin/sh -eu <<'CHROOT'
useradd --system --home-dir /var/lib/pillarbox --no-create-home --shell /usr/sbin/nologin --user-group pillarbox
systemctl enable pillarbox.service pillarbox-setup.service pillarbox-slot-check.service \
  pillarbox-grow-data.service pillarbox-firmware.path pillarbox-firmware-boot.service \
  pillarbox-clamd.path systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
  nftables.service >/dev/null 2>&1
# The engine keeps the virus database current itself (its freshclam job, with the mirror and
# proxy from its settings), so Debian's freshclam service stays off; the engine writes the
# database as a member of group clamav, and clamd (user clamav) reads it.
systemctl disable clamav-freshclam.service >/dev/null 2>&1 || true
usermod -a -G clamav pillarbox
install -d -o clamav -g clamav -m 2775 /var/lib/clamav
systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1
# The engine waits for nothing network-wide; do not hold the boot for a DHCP lease.
systemctl disable systemd-networkd-wait-online.service >/dev/null 2>&1 || true
CHROOT

ln -sf /run/systemd/resolve/stub-resolv.conf "$ROOT/etc/resolv.conf"
echo pillarbox >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
: >"$ROOT/etc/machine-id"   # a new machine id on first boot
passwd --root "$ROOT" -l root >/dev/null   # console password is set by pillarbox-setup on first boot
# Journal and clamav signatures are rebuilt at run time; keep the slot image lean.
rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/var/cache/apt/"*.bin "$ROOT/var/log/"*.log
