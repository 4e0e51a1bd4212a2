#!/usr/bin/env bash
# Builds the system root file system (one A/B slot's content) from Debian packages
# with mmdebstrap, then lets rootfs-customize.sh put Node, the engine and appliance/ in.
source "${PILLARBOX_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/packer/scripts/common.sh"

ROOTFS=$WORK/rootfs
CACHE=$OUT/apt-cache  # keeps downloaded .debs between builds: a rebuild fetches only what changed
rm -rf "$ROOTFS"
mkdir -p "$WORK" "$CACHE"

# minbase plus exactly what the appliance runs; no SSH server, no compiler, no docs, and no
# kernel modules a mail server never loads (sound, cameras, wireless, desktop GPUs, ...).
PACKAGES=(
  systemd systemd-sysv systemd-resolved systemd-timesyncd udev dbus kmod
  linux-image-amd64 initramfs-tools zstd
  extlinux syslinux-common
  e2fsprogs dosfstools fdisk util-linux
  nftables iproute2 netbase ca-certificates procps
  clamav-daemon clamav-freshclam
)

SKIP_MODULES=()
for d in sound drivers/media drivers/net/wireless net/wireless drivers/gpu/drm/amd drivers/gpu/drm/nouveau \
  drivers/gpu/drm/radeon drivers/gpu/drm/i915 drivers/infiniband drivers/staging net/bluetooth \
  drivers/bluetooth drivers/iio drivers/isdn; do
  SKIP_MODULES+=("--dpkgopt=path-exclude=/lib/modules/*/kernel/$d/*")
done

# mmdebstrap hands apt a spare file descriptor that dash must be able to name (0-9); packer
# leaves several open, which pushes it to 10 ("Bad fd number"). Close what we inherited.
for fd in $(ls /proc/$$/fd); do
  if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

log "mmdebstrap $SUITE (${#PACKAGES[@]} packages) into $ROOTFS"
mmdebstrap \
  --variant=minbase \
  --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  "${SKIP_MODULES[@]}" \
  --skip=download/empty --skip=essential/unlink \
  --setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives && cp -a '$CACHE'/. \"\$1\"/var/cache/apt/archives/ 2>/dev/null || true" \
  --customize-hook="cp -a \"\$1\"/var/cache/apt/archives/*.deb '$CACHE'/ 2>/dev/null || true" \
  --customize-hook="rm -f \"\$1\"/var/cache/apt/archives/*.deb" \
  --customize-hook="'$REPO/packer/scripts/rootfs-customize.sh' \"\$1\"" \
  "$SUITE" "$ROOTFS" \
  "deb $MIRROR $SUITE main" \
  "deb $MIRROR $SUITE-updates main" \
  "deb ${MIRROR%/debian}/debian-security $SUITE-security main"

du -sh "$ROOTFS" >&2
