#!/usr/bin/env bash
# Assembles the bootable disk image from the root file system: every partition is made
# as a file-system image file (mkfs -d, no mounting), then copied into a GPT disk image
# at its offset. Only installing extlinux needs a loop mount of the boot partition image.
source "${PILLARBOX_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/packer/scripts/common.sh"

ROOTFS=$WORK/rootfs
PARTS=$WORK/parts
RAW=$OUT/pillarbox.raw
[ -d "$ROOTFS/usr" ] || die "no root file system in $ROOTFS (run 20-rootfs.sh)"
rm -rf "$PARTS"
mkdir -p "$PARTS"

kernel=$(ls "$ROOTFS"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$ROOTFS"/boot/initrd.img-* | sort -V | tail -n1)
[ -f "$kernel" ] && [ -f "$initrd" ] || die "kernel or initramfs missing in $ROOTFS/boot"

cmdline() {  # kernel command line for slot $1
  local uuid=$UUID_SYSTEM_A
  [ "$1" = B ] && uuid=$UUID_SYSTEM_B
  echo "root=PARTUUID=$uuid rw rootwait console=tty0 console=ttyS0,115200n8 panic=10 pillarbox.slot=$1"
}

log "boot partition (extlinux, kernel $(basename "$kernel"))"
BOOTDIR=$PARTS/boot.d
mkdir -p "$BOOTDIR/A" "$BOOTDIR/B" "$BOOTDIR/pillarbox"
cp "$kernel" "$BOOTDIR/A/vmlinuz"
cp "$initrd" "$BOOTDIR/A/initrd.img"
cat >"$BOOTDIR/extlinux.conf" <<CONF
# Pillarbox boot loader configuration. DEFAULT is the committed system slot; an update
# boots the other slot once (extlinux --once) and pillarbox-slot-check commits it.
DEFAULT A
PROMPT 0
TIMEOUT 30
SERIAL 0 115200

LABEL A
  LINUX /A/vmlinuz
  INITRD /A/initrd.img
  APPEND $(cmdline A)

LABEL B
  LINUX /B/vmlinuz
  INITRD /B/initrd.img
  APPEND $(cmdline B)
CONF
# ext2 without 64bit/metadata_csum: features the syslinux boot code reads reliably.
mkfs.ext2 -q -F -L pb-boot -O ^64bit,^metadata_csum,^ext_attr -E root_owner=0:0 -d "$BOOTDIR" "$PARTS/boot.img" "${BOOT_MB}M"
mnt=$PARTS/mnt
mkdir -p "$mnt"
mount -o loop "$PARTS/boot.img" "$mnt" || die "cannot loop-mount the boot partition image (extlinux needs it mounted)"
extlinux --install "$mnt" >/dev/null 2>&1 || { umount "$mnt"; die "extlinux --install failed"; }
umount "$mnt"

log "system slot A (${SYSTEM_MB} MiB ext4 from $ROOTFS)"
mkfs.ext4 -q -F -L pb-system -E root_owner=0:0 -d "$ROOTFS" "$PARTS/system.img" "${SYSTEM_MB}M"

log "config partition (FAT, seed file) and data partition"
mkfs.vfat -n PBCONFIG -C "$PARTS/config.img" $((CONFIG_MB * 1024)) >/dev/null
cat >"$PARTS/pillarbox.conf" <<'SEED'
# Pillarbox seed file, read at every boot. Edit it on any computer after flashing.
# hostname = mail.example.com
#   the server's host name (else the kernel parameter pillarbox.hostname=, else DHCP)
# admin_password = a-long-password
#   the first boot's admin password (removed from this file once used); when not
#   set, one is generated and shown on the console login screen
SEED
sed -i 's/$/\r/' "$PARTS/pillarbox.conf"  # CRLF, for editors on other systems
mcopy -i "$PARTS/config.img" "$PARTS/pillarbox.conf" ::pillarbox.conf
mkfs.ext4 -q -F -L pb-data -E root_owner=0:0 "$PARTS/data.img" "${DATA_MB}M"

log "disk image $RAW"
rm -f "$RAW"
total_mb=$((1 + BOOT_MB + 2 * SYSTEM_MB + CONFIG_MB + DATA_MB + 1))
truncate -s "${total_mb}M" "$RAW"
MB=2048  # sectors per MiB
s_boot=$MB
s_a=$((s_boot + BOOT_MB * MB))
s_b=$((s_a + SYSTEM_MB * MB))
s_config=$((s_b + SYSTEM_MB * MB))
s_data=$((s_config + CONFIG_MB * MB))
LINUX=0FC63DAF-8483-4772-8E79-3D69D8477DE4
BASIC=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
sfdisk -q "$RAW" <<TABLE
label: gpt
label-id: $DISK_GUID
start=$s_boot, size=$((BOOT_MB * MB)), type=$LINUX, uuid=$UUID_BOOT, name="pb-boot", attrs="LegacyBIOSBootable"
start=$s_a, size=$((SYSTEM_MB * MB)), type=$LINUX, uuid=$UUID_SYSTEM_A, name="pb-system-a"
start=$s_b, size=$((SYSTEM_MB * MB)), type=$LINUX, uuid=$UUID_SYSTEM_B, name="pb-system-b"
start=$s_config, size=$((CONFIG_MB * MB)), type=$BASIC, uuid=$UUID_CONFIG, name="pb-config"
start=$s_data, size=$((DATA_MB * MB)), type=$LINUX, uuid=$UUID_DATA, name="pb-data"
TABLE
put() { dd if="$1" of="$RAW" bs=1M seek=$(($2 / MB)) conv=notrunc,sparse status=none; }
put "$PARTS/boot.img" $s_boot
put "$PARTS/system.img" $s_a
put "$PARTS/config.img" $s_config
put "$PARTS/data.img" $s_data
# Protective MBR boot code that finds the LegacyBIOSBootable GPT partition.
dd if=/usr/lib/syslinux/mbr/gptmbr.bin of="$RAW" bs=440 count=1 conv=notrunc status=none
rm -rf "$PARTS"
sfdisk -l "$RAW" >&2
