#!/usr/bin/env bash
# Firmware scripts against disk image files (no real disks): flash + verify, backup,
# factory reset, restore, and the refusals. Needs root (loop devices). Uses a small
# synthetic Pillarbox disk, so it does not need a built image.
set -uo pipefail
cd "$(dirname "$0")/../.."
F=$PWD/firmware-scripts
source "$F/lib.sh"
T=$(mktemp -d /tmp/pillarbox-fw.XXXXXX)
trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@" >"$T/out" 2>&1; then passed=$((passed + 1)); echo "ok - $name"
  else failed=$((failed + 1)); echo "not ok - $name"; sed 's/^/    /' "$T/out"; fi
}
refuses() {  # refuses NAME PATTERN COMMAND...: passes when the command fails saying PATTERN
  local name=$1 pattern=$2; shift 2
  if "$@" >"$T/out" 2>&1; then failed=$((failed + 1)); echo "not ok - $name (it ran)"; sed 's/^/    /' "$T/out"
  elif grep -q -- "$pattern" "$T/out"; then passed=$((passed + 1)); echo "ok - $name"
  else failed=$((failed + 1)); echo "not ok - $name (wrong message)"; sed 's/^/    /' "$T/out"; fi
}

# A 64 MiB disk with the Pillarbox partition names and an ext4 data partition.
disk=$T/disk.raw
truncate -s 64M "$disk"
sfdisk -q "$disk" <<'TABLE'
label: gpt
size=8MiB, name="pb-boot"
size=16MiB, name="pb-system-a"
size=16MiB, name="pb-system-b"
size=4MiB, name="pb-config"
name="pb-data"
TABLE
read -r off size < <(part_extent "$disk" pb-data)
mkfs.ext4 -q -F -L pb-data -E offset="$off" "$disk" $((size / 1024))k
data_mount() { mkdir -p "$T/mnt"; mount -o loop,offset="$off",sizelimit="$size" "$disk" "$T/mnt"; }
mail_gone() { data_mount || return 1; local r=0; [ -e "$T/mnt/engine" ] && r=1; umount "$T/mnt"; return $r; }
mail_back() { data_mount || return 1; local r=0; grep -q 'precious mail' "$T/mnt/engine/store/msg" || r=1; umount "$T/mnt"; return $r; }
data_mount && mkdir -p "$T/mnt/engine/store" && echo "precious mail" >"$T/mnt/engine/store/msg" && umount "$T/mnt"

check "flash writes an image file and verifies it" "$F/flash" --image-file "$disk" "$T/copy.raw"
check "the flashed copy is identical" cmp "$disk" "$T/copy.raw"
refuses "flash refuses a file without --image-file" "not a block device" "$F/flash" --yes "$disk" "$T/copy2.raw"
rootd=$(root_disk)
if [ -n "$rootd" ]; then
  refuses "flash refuses the disk holding /" "holds the running system" "$F/flash" --yes "$disk" "$rootd"
fi
sha256sum "$disk" | sed "s#  .*#  disk.raw#" >"$T/SHA256SUMS"
cp "$disk" "$T/disk.raw.bak"; echo corrupt | dd of="$disk" bs=1 seek=100 conv=notrunc status=none
refuses "flash refuses an image that does not match SHA256SUMS" "does not match" "$F/flash" --image-file "$disk" "$T/copy3.raw"
mv "$T/disk.raw.bak" "$disk"; rm -f "$T/SHA256SUMS"

check "backup of the data partition" "$F/backup" --image-file "$disk" "$T/backup.tar.gz"
refuses "factory-reset needs confirmation" "needs confirmation" "$F/factory-reset" --image-file "$disk" </dev/null
truncate -s 32M "$T/other.raw"
refuses "factory-reset refuses a disk that is not a Pillarbox disk" "not a Pillarbox disk" "$F/factory-reset" --yes --image-file "$T/other.raw"
check "factory-reset erases the data partition" "$F/factory-reset" --yes --image-file "$disk"
check "after the reset the mail is gone" mail_gone
tar -czf "$T/bogus.tar.gz" -C /etc hostname
refuses "restore refuses an archive that is not a backup" "not a Pillarbox data backup" "$F/restore" --yes --image-file "$disk" "$T/bogus.tar.gz"
check "restore puts the data back" "$F/restore" --yes --image-file "$disk" "$T/backup.tar.gz"
check "after the restore the mail is back" mail_back
check "no loop devices left behind" bash -c "! losetup -a | grep -q '$T/'"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
