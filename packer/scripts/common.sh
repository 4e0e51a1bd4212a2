# Shared by the image build scripts (sourced, not run).
# Disk layout and names live here so the build, the appliance scripts and the
# firmware scripts agree; firmware-scripts/lib.sh finds partitions by the same names.
set -euo pipefail

REPO=${PILLARBOX_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OUT=${PILLARBOX_IMAGE_OUT:-$REPO/build}
WORK=$OUT/work
SUITE=${PILLARBOX_SUITE:-bookworm}
MIRROR=${PILLARBOX_MIRROR:-http://deb.debian.org/debian}

# Sizes in MiB. The data partition grows to fill the disk on first boot.
BOOT_MB=128
SYSTEM_MB=${PILLARBOX_SYSTEM_MB:-1280}
CONFIG_MB=16
DATA_MB=${PILLARBOX_DATA_MB:-256}

# Partition UUIDs, new for every build: the kernel command line names the root slot and
# fstab the data and config partitions by PARTUUID, so a second Pillarbox disk attached to
# the machine (another build, flashed to a USB stick) is never mistaken for this one.
# `update` keeps the disk's own fstab in the new slot; extlinux.conf stays as flashed.
UUIDS=$WORK/uuids.env
if [ ! -f "$UUIDS" ]; then
  mkdir -p "$WORK"
  for name in BOOT SYSTEM_A SYSTEM_B CONFIG DATA; do
    echo "UUID_$name=$(cat /proc/sys/kernel/random/uuid)"
  done >"$UUIDS"
  echo "DISK_GUID=$(cat /proc/sys/kernel/random/uuid)" >>"$UUIDS"
fi
source "$UUIDS"

log() { printf '[image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
