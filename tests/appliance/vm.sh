# Sourced by the appliance tests: boots a Pillarbox disk image in qemu with host port
# forwards, using KVM when it works here and software emulation (TCG) otherwise.

# A free TCP port on the host's loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Writes a seed file (KEY=VALUE lines on stdin) onto DISK's FAT config partition, offline.
write_seed() {
  local disk=$1 off
  off=$(sfdisk -d "$disk" | awk '/name="pb-config"/ { match($0, /start= *[0-9]+/); printf "%.0f\n", substr($0, RSTART + 6, RLENGTH - 6) * 512 }')
  [ -n "$off" ] || { echo "no pb-config partition in $disk" >&2; return 1; }
  local seed
  seed=$(mktemp)
  cat >"$seed"
  mcopy -o -i "$disk@@$off" "$seed" ::pillarbox.conf
  rm -f "$seed"
}

# vm_start DISK DIR ACCEL: starts qemu in the background. Serial console: DIR/serial.sock
# (for typing) and DIR/serial.log. Host ports: SMTP_PORT, IMAPS_PORT, HTTPS_PORT, HTTP_PORT.
vm_start() {
  local disk=$1 dir=$2 accel=$3
  : >"$dir/serial.log"
  rm -f "$dir/serial.sock"
  # -cpu host fails on some nested-virtualisation hosts (MSR errors); qemu64 works everywhere.
  local cpu=${PB_VM_CPU:-qemu64}
  [ -n "${VM_EXTRA+x}" ] || VM_EXTRA=()
  qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m "${PB_VM_MEMORY:-1536}" -smp "${PB_VM_CPUS:-2}" \
    -display none -no-user-config -nodefaults \
    -drive "file=$disk,format=raw,if=virtio,cache=unsafe" "${VM_EXTRA[@]}" \
    -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$SMTP_PORT-:25,hostfwd=tcp:127.0.0.1:$IMAPS_PORT-:993,hostfwd=tcp:127.0.0.1:$HTTPS_PORT-:443,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:80" \
    -chardev "socket,id=con,path=$dir/serial.sock,server=on,wait=off,logfile=$dir/serial.log" \
    -serial chardev:con \
    -pidfile "$dir/qemu.pid" >"$dir/qemu.out" 2>&1 &
  VM_PID=$!
}

vm_stop() {
  [ -n "${VM_PID:-}" ] || return 0
  kill "$VM_PID" 2>/dev/null || true
  wait "$VM_PID" 2>/dev/null || true
  VM_PID=""
}

# Waits up to SECONDS for PATTERN (extended regexp) in the serial log; 0 when seen.
wait_serial() {
  local dir=$1 pattern=$2 seconds=$3 end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do
    grep -aqE "$pattern" "$dir/serial.log" 2>/dev/null && return 0
    grep -q 'KVM internal error' "$dir/qemu.out" 2>/dev/null && return 1
    [ -n "${VM_PID:-}" ] && ! kill -0 "$VM_PID" 2>/dev/null && return 1
    sleep 1
  done
  return 1
}

# The first line the SMTP server sends, or nothing.
smtp_banner() {
  timeout 5 python3 - "$1" <<'PY' 2>/dev/null || true
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=4)
print(s.recv(512).decode(errors="replace").strip())
PY
}

# Waits up to SECONDS for a "220" SMTP banner on the forwarded port; 0 when seen.
wait_banner() {
  local seconds=$1 end=$((SECONDS + $1)) b
  while [ $SECONDS -lt $end ]; do
    b=$(smtp_banner "$SMTP_PORT")
    case $b in 220*) BANNER=$b; return 0 ;; esac
    [ -n "${VM_PID:-}" ] && ! kill -0 "$VM_PID" 2>/dev/null && return 1
    sleep 2
  done
  return 1
}

# A time limit in seconds times PB_TIME_SCALE (default 1): on a machine loaded by other work,
# software emulation is several times slower (7 December 2026: 3.5 times, writing slot B alone
# took about 24 minutes), and the update and reset limits would fail a working appliance.
scaled() { echo $(( $1 * ${PB_TIME_SCALE:-1} )); }

kvm_usable() { [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ "${PB_VM_ACCEL:-}" != tcg ]; }

# Kernel starts seen on the serial console so far.
linux_boots() { grep -ac 'Linux version' "$WORKDIR/serial.log" || true; }

# Waits for the next kernel start after COUNT boots, then for the SMTP banner.
wait_reboot() {
  local before=$1 limit=$2 end=$((SECONDS + $2))
  while [ "$(linux_boots)" -le "$before" ]; do
    [ $SECONDS -lt $end ] || fail "no reboot within ${limit}s"
    sleep 2
  done
  local t=$SECONDS
  wait_banner $((end - SECONDS)) || fail "no SMTP banner after the reboot"
  echo "  rebooted: SMTP banner $((SECONDS - t))s after the kernel started"
}
