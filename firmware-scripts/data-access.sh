# Sourced by backup and restore: makes the data partition available as $DATA_DIR with the
# engine stopped, and undoes that on exit (engine started again / image unmounted).

open_data() {
  local disk=$1
  if [ -n "$disk" ]; then
    refuse_unsafe_target "$disk" 1
    is_pillarbox_disk "$disk" || die "refusing: $disk is not a Pillarbox disk (no pb-boot and pb-data partitions)"
    local dev
    dev=$(part_device "$disk" pb-data)
    DATA_DIR=$(mktemp -d /tmp/pillarbox-data.XXXXXX)
    trap 'umount "$DATA_DIR" 2>/dev/null; rmdir "$DATA_DIR"; release_loops' EXIT
    mount "$dev" "$DATA_DIR" || die "cannot mount the data partition of $disk"
  else
    booted_slot >/dev/null
    DATA_DIR=/var/lib/pillarbox
    mountpoint -q "$DATA_DIR" || die "the data partition is not mounted at $DATA_DIR"
    local was_running=0
    systemctl is-active -q pillarbox.service && was_running=1
    systemctl stop pillarbox.service
    [ $was_running = 1 ] && trap 'systemctl start pillarbox.service' EXIT
  fi
}
