#!/usr/bin/env bash
# Derived artifacts: qcow2 (qemu/KVM, Proxmox), stream-optimized VMDK and an OVA (VMware, VirtualBox),
# a zstd-compressed raw image for flashing and updates, and SHA-256 sums of everything.
source "${PILLARBOX_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/packer/scripts/common.sh"
cd "$OUT"
[ -f pillarbox.raw ] || die "no pillarbox.raw in $OUT"
rm -f pillarbox.qcow2 pillarbox.vmdk pillarbox.ova pillarbox.raw.zst SHA256SUMS

log "pillarbox.raw.zst"
zstd -q -T2 -9 --sparse -o pillarbox.raw.zst pillarbox.raw
log "pillarbox.qcow2 (compressed clusters)"
qemu-img convert -c -O qcow2 pillarbox.raw pillarbox.qcow2
if [ "${PILLARBOX_IMAGE_VMDK:-1}" = 1 ]; then
  log "pillarbox.vmdk (streamOptimized)"
  qemu-img convert -O vmdk -o subformat=streamOptimized pillarbox.raw pillarbox.vmdk
  bash "$REPO/packer/scripts/ova.sh"
fi
sha256sum pillarbox.raw pillarbox.raw.zst pillarbox.qcow2 $(ls pillarbox.vmdk pillarbox.ova 2>/dev/null) >SHA256SUMS
ls -ls pillarbox.* >&2
cat SHA256SUMS >&2
