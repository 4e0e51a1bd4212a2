# Sourced by boot-test.sh with the VM running: a backup of the backup set restored through the
# management API (restoreBackup). The engine checks the backup while serving, stops, swaps the
# store and exits 75; systemd (RestartForceExitStatus=75) starts it again on the restored data.

echo "backup and restore through the management API (restoreBackup, exit 75 under systemd)"
rs0=$SECONDS
gql 'mutation { updateSettings(input: {backupDirectory: "/var/lib/pillarbox/backups"}) { backupDirectory } }' "$token" |
  grep -q '/var/lib/pillarbox/backups' || fail "backupDirectory on the appliance"
ran=$(gql 'mutation { runJob(input: {name: "backup"}) { run { outcome output } } }' "$token")
grep -q '"OK"' <<<"$ran" || fail "backup job: $ran"
backup=$(gql '{ backups { name complete } }' "$token" |
  python3 -c 'import json,sys; print([b["name"] for b in json.load(sys.stdin)["data"]["backups"] if b["complete"]][0])') ||
  fail "no complete backup listed"
# A change after the backup, which the restore must undo.
gql 'mutation { createUser(input: {shortName: "carol", password: "carol-password-1", fullName: "Carol"}) { id } }' "$token" |
  grep -q '"id"' || fail "createUser carol"
restarts_before=$(console "systemctl show -p NRestarts --value pillarbox" 60 | tr -dc 0-9)
started=$(gql "mutation { restoreBackup(input: {name: \"$backup\", confirm: \"RESTORE\"}) { state backup } }" "$token")
grep -q '"state"' <<<"$started" || fail "restoreBackup: $started"
echo "  restoreBackup $backup: $started"
state=""
for _ in $(seq 1 "$(scaled 150)"); do
  token=$(gql "mutation { login(username: \"admin\", password: \"$ADMIN_PASSWORD\") { token } }" 2>/dev/null | json_get data.login.token 2>/dev/null) || true
  if [ -n "$token" ]; then
    state=$(gql '{ restoreStatus { state message } }' "$token" 2>/dev/null || true)
    grep -qE '"(DONE|FAILED)"' <<<"$state" && break
  fi
  sleep 2
done
grep -q '"DONE"' <<<"$state" || fail "restore did not finish: ${state:-no answer}"
restarts_after=$(console "systemctl show -p NRestarts --value pillarbox" 60 | tr -dc 0-9)
[ "${restarts_after:-0}" -gt "${restarts_before:-0}" ] || fail "systemd did not restart the engine (NRestarts ${restarts_before:-?} -> ${restarts_after:-?})"
exit_status=$(console "journalctl -u pillarbox -o cat --no-pager | grep -c 'status=75' || true" 60 | tr -dc 0-9)
[ "${exit_status:-0}" -gt 0 ] || fail "the journal shows no exit with status 75"
users=$(gql '{ users { nodes { shortName } } }' "$token")
grep -q '"carol"' <<<"$users" && fail "carol, created after the backup, is still there: $users"
grep -q '"alice"' <<<"$users" || fail "alice is missing after the restore: $users"
got=$(curl -sSk --max-time 20 "imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=1" -u alice:alice-password-1 2>&1 || true)
grep -q "$subject" <<<"$got" || fail "IMAP after the restore: alice's message not found: $got"
echo "restore: backup $backup restored, engine exited 75 and systemd started it (NRestarts $restarts_before -> $restarts_after), later user gone, alice's mail readable, $((SECONDS - rs0))s"
checks=$((checks + 1))
