# Sourced by boot-test.sh last, with the VM running: factory reset through the management
# API. The firmware agent erases the data partition and reboots; the next boot is a first
# boot, with a new admin password shown on the console (the seed file's was used up).

echo "factory reset through the management API (scheduleFactoryReset)"
rt0=$SECONDS
token=$(gql "mutation { login(username: \"admin\", password: \"$ADMIN_PASSWORD\") { token } }" | json_get data.login.token) ||
  fail "login before the reset"
serial_before=$(wc -c <"$WORKDIR/serial.log")
boots=$(linux_boots)
gql 'mutation { scheduleFactoryReset(input: {confirm: "ERASE"}) { id action state } }' "$token" | sed 's/^/  /'
wait_reboot "$boots" "$(scaled 900)"
# The login screen of the first boot shows the new password.
for _ in $(seq 1 120); do
  new_password=$(tail -c +"$serial_before" "$WORKDIR/serial.log" | tr -d '\r' |
    sed -n 's/.*Initial admin password (user "admin", also the console password for root): \([^[:space:]]*\).*/\1/p' | tail -n1)
  [ -n "$new_password" ] && break
  sleep 2
done
[ -n "$new_password" ] || fail "no new admin password on the console after the reset"
echo "  new admin password shown on the console"
for _ in $(seq 1 30); do grep -q '"ok"' <<<"$(curl -sk --max-time 5 "https://127.0.0.1:$HTTPS_PORT/healthz")" && break; sleep 2; done
old=$(gql "mutation { login(username: \"admin\", password: \"$ADMIN_PASSWORD\") { token } }")
grep -q '"token"' <<<"$old" && fail "the old admin password still works after the factory reset"
token=$(gql "mutation { login(username: \"admin\", password: \"$new_password\") { token } }" | json_get data.login.token) ||
  fail "login with the new admin password"
users=$(gql '{ users { totalCount } }' "$token")
grep -q '"totalCount":0' <<<"$users" || fail "users are still there after the factory reset: $users"
echo "factory reset: data erased (no users, old password refused), first boot with a new password, $((SECONDS - rt0))s"
checks=$((checks + 1))
