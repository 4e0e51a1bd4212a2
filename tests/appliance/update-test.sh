# Sourced by boot-test.sh after the mail round trip, with the VM running.
# A/B update and rollback, driven on the serial console like an administrator would:
#  1. update to a good image (slot B), uploaded and scheduled through GraphQL -> the firmware
#     agent writes it and reboots -> trial boot -> healthy -> B becomes the default;
#  2. update to an image whose engine cannot start (slot A) -> trial boot -> not healthy
#     -> automatic reboot into B; alice's mail is still there afterwards.

# update_image NAME VERSION [ENGINE_ENV_LINE]: a copy of the built image with its own version
# string, a short health-check limit, and optionally a broken engine setting.
update_image() {
  local name=$1 version=$2 broken=${3:-} off size mnt
  cp --sparse=always "$OUT/pillarbox.raw" "$WORKDIR/$name.raw"
  read -r off size < <(sfdisk -d "$WORKDIR/$name.raw" | awk '/name="pb-system-a"/ {
    match($0, /start= *[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) * 512
    match($0, /size= *[0-9]+/); z = substr($0, RSTART + 5, RLENGTH - 5) * 512; printf "%.0f %.0f\n", s, z }')
  mnt=$WORKDIR/mnt-$name
  mkdir -p "$mnt"
  mount -o loop,offset="$off",sizelimit="$size" "$WORKDIR/$name.raw" "$mnt"
  echo "$version" >"$mnt/etc/pillarbox/version"
  # The trial boot's window to become healthy, scaled like the test's own limits (a loaded TCG guest boots in minutes).
  echo "PILLARBOX_SLOT_CHECK_TIMEOUT=${PB_SLOT_CHECK_TIMEOUT:-$(scaled 120)}" >"$mnt/etc/pillarbox/slot-check.env"
  [ -n "$broken" ] && echo "$broken" >>"$mnt/etc/pillarbox/engine.env"
  umount "$mnt"
  rmdir "$mnt"
  # Handed to the VM as a disk whose content is the compressed image, as an administrator
  # would bring a .raw.zst: a partitioned copy of the same build would duplicate this disk's
  # partition UUIDs and names.
  zstd -q -T2 -3 --rm -f -o "$WORKDIR/$name.raw.zst" "$WORKDIR/$name.raw"
  truncate -s %512 "$WORKDIR/$name.raw.zst"
}

ut0=$SECONDS
update_image good "0.1.0+update-good"
update_image bad "0.1.0+update-bad" "PILLARBOX_SMTP_PORT=not-a-port"

echo "A/B update: powering off to attach the update images as disks"
console "systemctl poweroff" 20 >/dev/null 2>&1 || true
for _ in $(seq 1 60); do kill -0 "$VM_PID" 2>/dev/null || break; sleep 1; done
vm_stop
VM_EXTRA=(-drive "file=$WORKDIR/good.raw.zst,format=raw,if=virtio,readonly=on"
  -drive "file=$WORKDIR/bad.raw.zst,format=raw,if=virtio,readonly=on")
vm_start "$WORKDIR/disk.raw" "$WORKDIR" "$ACCEL"
wait_banner "$(scaled 900)" || fail "no SMTP banner after the power cycle"
console "pillarbox-update --status" 30 | sed 's/^/  /'

echo "A/B update 1: good image into slot B, through the management API (upload + scheduleSystemUpdate)"
token=$(gql "mutation { login(username: \"admin\", password: \"$ADMIN_PASSWORD\") { token } }" | json_get data.login.token)
want=$(sha256sum "$WORKDIR/good.raw.zst" | cut -d' ' -f1)
t=$SECONDS
curl -sSk --max-time 900 -X PUT -H "authorization: Bearer $token" --data-binary "@$WORKDIR/good.raw.zst" \
  "https://127.0.0.1:$HTTPS_PORT/firmware/images/good.raw.zst?sha256=$want" | sed 's/^/  /'
echo "  uploaded $(du -h "$WORKDIR/good.raw.zst" | cut -f1) in $((SECONDS - t))s"
gql '{ appliance { available runningSlot defaultSlot images { name size sha256 } } }' "$token" | sed 's/^/  /'
gql 'mutation { scheduleSystemUpdate(input: {image: "good.raw.zst"}) { id state } }' "$token" | sed 's/^/  /'
boots=$(linux_boots)
# The firmware agent checks the image, writes slot B and reboots by itself.
wait_reboot "$boots" "$(scaled 1500)"
for _ in $(seq 1 60); do
  status=$(console "pillarbox-update --status" 30 || true)
  grep -q 'default slot: B' <<<"$status" && break
  sleep 5
done
echo "$status" | sed 's/^/  /'
grep -q 'running slot: B (0.1.0+update-good)' <<<"$status" || fail "not running the good update in slot B"
grep -q 'default slot: B' <<<"$status" || fail "slot B was not confirmed"
echo "A/B update 1: slot B confirmed healthy and made the default"; checks=$((checks + 1))
token=$(gql "mutation { login(username: \"admin\", password: \"$ADMIN_PASSWORD\") { token } }" | json_get data.login.token)
last=$(gql '{ appliance { runningSlot defaultSlot lastRequest { action state message } } }' "$token")
echo "  $last"
grep -q '"runningSlot":"B"' <<<"$last" && grep -q '"state":"DONE"' <<<"$last" || fail "the API does not report the update as done on slot B"
echo "A/B update 1: the API reports the request done, running slot B"; checks=$((checks + 1))

echo "A/B update 2: image with a failing engine into slot A"
console "pillarbox-update --yes /dev/vdc" 900 | sed 's/^/  /' || fail "pillarbox-update (bad image) failed"
boots=$(linux_boots)
console "systemctl reboot" 10 >/dev/null 2>&1 || true
# Trial boot of A (engine never healthy), slot check reboots, B comes back.
wait_serial "$WORKDIR" 'rolling back to B' "$(scaled 1200)" || fail "slot check did not roll back"
wait_reboot "$((boots + 1))" "$(scaled 900)"
status=$(console "pillarbox-update --status" 30 || true)
echo "$status" | sed 's/^/  /'
grep -q 'running slot: B (0.1.0+update-good)' <<<"$status" || fail "not back on slot B after the rollback"
grep -q 'rolled back' <<<"$status" || fail "no rollback in the update history"
got=$(curl -sSk --max-time 20 "imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=1" -u alice:alice-password-1 2>&1 || true)
grep -q "$subject" <<<"$got" || fail "alice's mail is gone after the updates"
echo "A/B update 2: rolled back to slot B automatically; mail intact"; checks=$((checks + 1))
echo "A/B update and rollback test: $((SECONDS - ut0))s"
