#!/usr/bin/env bash
# `npm run image`: builds build/pillarbox.{raw,raw.zst,qcow2,vmdk} + SHA256SUMS with packer.
# Reuses the existing image when it was built from the same inputs (commit + uncommitted
# changes to the files that go into the image); --force rebuilds anyway.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${PILLARBOX_IMAGE_OUT:-$REPO/build}
force=0
[ "${1:-}" = --force ] && force=1

[ "$(id -u)" = 0 ] || { echo "npm run image: needs root (mmdebstrap, loop mount for extlinux)" >&2; exit 1; }

# Build tools from Debian, installed when missing.
need=()
for pair in packer:packer mmdebstrap:mmdebstrap qemu-img:qemu-utils extlinux:extlinux mcopy:mtools \
  mkfs.vfat:dosfstools sfdisk:fdisk zstd:zstd mkfs.ext4:e2fsprogs; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[ -f /usr/lib/syslinux/mbr/gptmbr.bin ] || need+=(syslinux-common)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing build tools: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The inputs that go into the image; read-only git commands only.
INPUTS=(server graphql bin appliance packer firmware-scripts package.json package-lock.json tsconfig.json docs/appliance.md)
image_key() {
  cd "$REPO"
  {
    git rev-parse HEAD 2>/dev/null || echo no-git
    git --no-optional-locks status --porcelain --untracked-files=all -- "${INPUTS[@]}" 2>/dev/null | while read -r _ path; do
      [ -f "$path" ] && sha256sum "$path" || echo "deleted $path"
    done
    node --version
  } | sha256sum | cut -c1-16
}
key=$(image_key)
if [ $force = 0 ] && [ -f "$OUT/pillarbox.raw" ] && [ -f "$OUT/SHA256SUMS" ] && [ "$(cat "$OUT/image.key" 2>/dev/null)" = "$key" ]; then
  echo "image is up to date with this checkout ($key): $OUT/pillarbox.raw" >&2
  exit 0
fi

version="$(node -p "require('$REPO/package.json').version")+$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo local)"
start=$(date +%s)
mkdir -p "$OUT"
rm -f "$OUT/image.key"
PACKER_LOG=0 CHECKPOINT_DISABLE=1 packer build -color=false \
  -var "repo=$REPO" -var "output_dir=$OUT" -var "version=$version" \
  -var "allow_tsc_errors=${PILLARBOX_IMAGE_ALLOW_TSC_ERRORS:-0}" \
  "$REPO/packer/pillarbox.pkr.hcl"
seconds=$(( $(date +%s) - start ))
echo "$key" >"$OUT/image.key"
zst=$(stat -c %s "$OUT/pillarbox.raw.zst")
qcow=$(stat -c %s "$OUT/pillarbox.qcow2")
printf '{"version":"%s","key":"%s","buildSeconds":%d,"rawBytes":%d,"zstBytes":%d,"qcow2Bytes":%d}\n' \
  "$version" "$key" "$seconds" "$(stat -c %s "$OUT/pillarbox.raw")" "$zst" "$qcow" >"$OUT/build-info.json"
echo "image built in ${seconds}s: raw.zst $((zst / 1048576)) MiB, qcow2 $((qcow / 1048576)) MiB ($OUT)" >&2
