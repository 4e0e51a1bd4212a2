# Shared by the firmware scripts and the appliance's slot check (sourced, not run).
# Installed on the image as /usr/local/lib/pillarbox/firmware-lib.sh.
#
# A Pillarbox disk is GPT with partitions named pb-boot (extlinux, one kernel per slot),
# pb-system-a and pb-system-b (the A/B root file systems), pb-config (FAT, seed file)
# and pb-data (mail, settings, logs). Scripts find partitions by these names only.

PB_BOOT_MOUNT=/run/pillarbox/boot
PB_STATE=/var/lib/pillarbox/appliance
# Loop devices this script attached; a file, because part_device runs in $(...) subshells.
_pb_loops=/tmp/.pillarbox-loops.$$

die() { echo "${0##*/}: $*" >&2; exit 1; }
note() { echo "${0##*/}: $*" >&2; }

need_root() { [ "$(id -u)" = 0 ] || die "must be run as root"; }

# The whole disk that holds the running root file system ("" when / is not on a disk).
root_disk() {
  local src
  src=$(findmnt -no SOURCE / 2>/dev/null || true)
  [ -b "$src" ] || return 0
  local parent
  parent=$(lsblk -no PKNAME "$src" 2>/dev/null | head -n1)
  if [ -n "$parent" ]; then echo "/dev/$parent"; else echo "$src"; fi
}

# Canonical path of a block device (follows /dev/disk/by-* links).
canonical() { readlink -f "$1"; }

# Mounted file systems on DEVICE or any of its partitions, one mount point per line.
mounts_on() { lsblk -nlo MOUNTPOINT "$1" 2>/dev/null | sed '/^$/d' || true; }

# TARGET must be a disk (or, with allow_file=1, a disk image file) that is not the
# disk holding /, and nothing on it may be mounted.
refuse_unsafe_target() {
  local target=$1 allow_file=${2:-0}
  if [ -f "$target" ]; then
    [ "$allow_file" = 1 ] || die "$target is a file, not a block device (pass --image-file to work on a disk image)"
    return 0
  fi
  [ -b "$target" ] || die "$target is not a block device"
  local real rootd
  real=$(canonical "$target")
  rootd=$(root_disk)
  if [ -n "$rootd" ] && [ "$(canonical "$rootd")" = "$real" ]; then
    die "refusing: $target holds the running system's root file system (/)"
  fi
  if [ "$(lsblk -ndo TYPE "$real" 2>/dev/null)" = part ]; then
    die "refusing: $target is a partition; give the whole disk (for example /dev/sdb, not /dev/sdb1)"
  fi
  local m
  m=$(mounts_on "$real")
  [ -z "$m" ] || die "refusing: $target has mounted file systems ($(echo $m)); unmount them first"
}

# Byte offset and size of partition NAME on DISK (a device or image file): "OFFSET SIZE".
part_extent() {
  local disk=$1 name=$2
  sfdisk -d "$disk" 2>/dev/null | awk -v n="\"$name\"" '
    /^sector-size:/ { ss = $2 }
    /start=/ && index($0, "name=" n) {
      match($0, /start= *[0-9]+/); start = substr($0, RSTART + 6, RLENGTH - 6) + 0
      match($0, /size= *[0-9]+/); size = substr($0, RSTART + 5, RLENGTH - 5) + 0
      if (!ss) ss = 512
      printf "%.0f %.0f\n", start * ss, size * ss; exit
    }'
}

# A block device for partition NAME on DISK. For an image file this is a loop device over
# the partition's byte range (released by release_loops), because partition scanning of
# loop devices is not available everywhere.
part_device() {
  local disk=$1 name=$2
  if [ -b "$disk" ]; then
    local dev
    dev=$(lsblk -lnpo NAME,PARTLABEL "$disk" | awk -v n="$name" '$2 == n { print $1; exit }')
    [ -n "$dev" ] || die "$disk has no partition named $name: is it a Pillarbox disk?"
    echo "$dev"
  else
    local ext off size loop
    ext=$(part_extent "$disk" "$name")
    [ -n "$ext" ] || die "$disk has no partition named $name: is it a Pillarbox disk image?"
    read -r off size <<<"$ext"
    loop=$(losetup -f --show -o "$off" --sizelimit "$size" "$disk") || die "cannot attach a loop device to $disk"
    echo "$loop" >>"$_pb_loops"
    echo "$loop"
  fi
}

release_loops() {
  local l
  [ -f "$_pb_loops" ] || return 0
  while read -r l; do losetup -d "$l" 2>/dev/null || true; done <"$_pb_loops"
  rm -f "$_pb_loops"
}

is_pillarbox_disk() { [ -n "$(part_extent "$1" pb-data)" ] && [ -n "$(part_extent "$1" pb-boot)" ]; }

booted_slot() {
  local arg
  for arg in $(cat /proc/cmdline); do
    case $arg in pillarbox.slot=*) echo "${arg#*=}"; return 0 ;; esac
  done
  die "not running on a Pillarbox appliance (no pillarbox.slot= on the kernel command line)"
}

other_slot() { if [ "$1" = A ]; then echo B; else echo A; fi; }

slot_partition_name() { if [ "$1" = A ]; then echo pb-system-a; else echo pb-system-b; fi; }

# Mounts the boot partition of the running appliance at a mount point of the caller's own and
# prints it. Two tools at once (the slot check at boot and a status query on the console) must
# not unmount the partition under each other.
mount_boot() {
  local dir
  mkdir -p "$PB_BOOT_MOUNT"
  dir=$(mktemp -d "$PB_BOOT_MOUNT/XXXXXX")
  # The boot partition of the disk we run from (another Pillarbox disk may be attached).
  mount "$(part_device "$(root_disk)" pb-boot)" "$dir" || { rmdir "$dir"; die "cannot mount the boot partition"; }
  echo "$dir"
}

# umount_boot DIR: undoes mount_boot (nothing when DIR is empty).
umount_boot() {
  [ -n "${1:-}" ] || return 0
  if mountpoint -q "$1"; then umount "$1"; fi
  rmdir "$1" 2>/dev/null || true
}

default_slot() { sed -n 's/^DEFAULT[[:space:]]\+//p' "$1/extlinux.conf" | head -n1; }

# Makes SLOT the boot loader's default (the committed slot), atomically.
set_default_slot() {
  local boot=$1 slot=$2
  sed "s/^DEFAULT[[:space:]].*/DEFAULT $slot/" "$boot/extlinux.conf" >"$boot/extlinux.conf.new"
  sync "$boot/extlinux.conf.new"
  mv "$boot/extlinux.conf.new" "$boot/extlinux.conf"
  sync
}

health_ok() {
  /usr/local/bin/node -e '
fetch(process.argv[1], { signal: AbortSignal.timeout(3000) })
  .then((r) => r.json())
  .then((j) => process.exit(j.status === "ok" ? 0 : 1), () => process.exit(1));
' "$1"
}

record_update_result() {
  mkdir -p "$PB_STATE"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>"$PB_STATE/update-history"
}

# How IMAGE is compressed, from its first bytes (a disk holding a .zst has no file name).
image_compression() {
  case $(head -c 6 -- "$1" | od -An -tx1 | tr -d ' \n') in
    28b52ffd*) echo zst ;;
    fd377a585a00) echo xz ;;
    1f8b*) echo gz ;;
    *) echo raw ;;
  esac
}

# Reads IMAGE (raw, or zstd/xz/gzip compressed) to stdout.
image_stream() {
  case $(image_compression "$1") in
    # From standard input: zstd skips a block device given by name.
    zst) zstd -dc <"$1" ;;
    xz) xz -dc <"$1" ;;
    gz) gzip -dc <"$1" ;;
    *) cat -- "$1" ;;
  esac
}

# Waits (up to 30 s) for FILE to be written by a process substitution, then prints it.
await_file() {
  local i
  for i in $(seq 1 300); do [ -s "$1" ] && break; sleep 0.1; done
  cat "$1"
}

# "SHA256 BYTES" of what image_stream IMAGE produces, in one pass.
stream_digest() {
  local tmp sum
  tmp=$(mktemp)
  sum=$(image_stream "$1" | tee >(wc -c >"$tmp") | sha256sum | cut -d' ' -f1)
  echo "$sum $(await_file "$tmp")"
  rm -f "$tmp"
}

# Asks the operator to type WORD; --yes on the command line skips it.
confirm() {
  local prompt=$1 word=$2 answer
  [ "${PB_ASSUME_YES:-0}" = 1 ] && return 0
  [ -t 0 ] || die "needs confirmation: run it at a terminal, or pass --yes"
  read -r -p "$prompt Type \"$word\" to continue: " answer
  [ "$answer" = "$word" ] || die "not confirmed; nothing was changed"
}
