#!/usr/bin/env bash
# ksmigrate run killed (SIGKILL) at several points, then resumed: no value lost,
# none encrypted twice, none left under the old key. Also SIGINT (exit 130),
# lock contention and a read-only database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
configure_internal_keystore
N=3000
make_token_table "$N"
ARGS=(--home "$H" --db "$DB" --targets t.toml --no-config --batch-size 25 --jobs 2)
journal_rows() { sqlite3 "$DB" "SELECT count(*) FROM KSMIGRATE_JOURNAL" 2>/dev/null || echo 0; }

# Kill -9 at several points while it works; each time some batches are committed.
mid_run_kills=0
for delay in 0.25 0.5 0.8 1.2; do
  "$KSMIGRATE" run "${ARGS[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "database damaged after kill -9"
  ok
  done_now=$(journal_rows)
  [[ "$done_now" -gt 0 && "$done_now" -lt $N ]] && mid_run_kills=$((mid_run_kills + 1))
done
[[ $mid_run_kills -ge 1 ]] || fail "no kill landed in the middle of a run"; ok

# SIGINT: finishes the batch, exits 130, and the journal is consistent.
# Sent once this run has journaled a batch: before that (keys loading, a slow machine)
# the handler is not installed yet and SIGINT ends the process at once, as it should.
before=$(journal_rows)
"$KSMIGRATE" run "${ARGS[@]}" >/dev/null 2>int.err &
pid=$!
journal_grew() { [[ $(journal_rows) -gt $before ]]; }
wait_until journal_grew || true   # a run that finished first is fine too (exit 0)
kill -INT "$pid" 2>/dev/null || true
set +e; wait "$pid"; rc=$?; set -e
[[ $rc == 130 || $rc == 0 ]] || fail "SIGINT exit $rc: $(cat int.err)"; ok
if [[ $rc == 130 ]]; then
  assert_contains "$(cat int.err)" "stopping after this batch" "the signal is acknowledged at once"
  assert_contains "$(cat int.err)" "So far:" "the stop says what changed"
fi

# Lock contention: another holder of the lock -> exit 4 naming it.
flock -o "$DB.ksmigrate.lock" sleep 5 &   # -o: only flock itself holds the lock
holder=$!
sleep 0.3
run_capture "$KSMIGRATE" run "${ARGS[@]}"
expect_rc 4 "lock held by another process"
assert_contains "$ERR" "another" "says another run holds it"
kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true

# The final run completes the job.
run_capture "$KSMIGRATE" run "${ARGS[@]}"
expect_rc 0 "resumed run"
assert_eq "$N" "$(journal_rows)" "every row journaled exactly once"
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT row_key FROM KSMIGRATE_JOURNAL GROUP BY target, row_key HAVING count(*) > 1)")" "none encrypted twice"
run_capture "$KSMIGRATE" verify "${ARGS[@]}" --json
expect_rc 0 "verify after resume"
assert_eq "$N" "$(jq '.targets[0].states.target' <<<"$OUT")" "every value under the target key"
sqlite3 "$DB" "SELECT '$OAEP ' || ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY CAST(substr(TOKEN_ID, 2) AS INTEGER)" > back.txt
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < back.txt > plain.txt || fail "Java decrypt after resume"
assert_eq "$(cut -d' ' -f3 jin.txt | md5sum)" "$(md5sum < plain.txt)" "Java reads every value, in order, as the original"

# A read-only database: a clear error, nothing changed.
if [[ $(id -u) == 0 ]]; then
  chmod 755 "$WORK" "$H" "$H/repository" "$SEC" "$H/repository/conf"
  chmod 1777 "$H/repository/database"   # the lock file can be made; the database itself is not writable
  chmod 644 "$DB" "$SEC"/*
  cp "$DB" ro.before
  run_capture setpriv --reuid=65534 --regid=65534 --clear-groups "$KSMIGRATE" rollback --home "$H" --db "$DB" --targets t.toml --no-config
else
  chmod 444 "$DB"; cp "$DB" ro.before
  run_capture "$KSMIGRATE" rollback --home "$H" --db "$DB" --targets t.toml --no-config
fi
[[ $RC == 3 || $RC == 4 ]] || fail "read-only database: exit $RC ($ERR)"; ok
assert_contains "$ERR" "WSO2AM_DB.db" "read-only error names the database"
cmp -s "$DB" ro.before || fail "read-only database changed"; ok
done_testing
