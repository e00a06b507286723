#!/usr/bin/env bash
# Bad databases for ksmigrate: missing table/column, locked by another connection
# (busy timeout, then exit 4), a read-only file and folder, text in a BLOB column and
# the other way round (storage classes kept), disk full while writing. Each row: the
# exit code, one error line naming the database or table, and the state afterwards:
# database intact, journal consistent with the data, deployment.toml consistent with
# its backup, and a later run completes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
configure_internal_keystore
NO_LEAK=(internalpw admin-pw db-pw 'mixed-' 'sec-0')

# IDN_SECRET: N self-contained OAEP values (TEXT). MIXED: BLOB values in a VARCHAR
# column and TEXT values in a BLOB column, self-contained and plain PKCS#1.
N=400
sqlite3 "$DB" "CREATE TABLE IDN_SECRET (ID INTEGER PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000));
               CREATE TABLE MIXED (ID INTEGER PRIMARY KEY, T VARCHAR(2048), B BLOB)"
{ for i in $(seq 1 $N); do printf '%s self-contained %s\n' "$OAEP" "$(printf 'sec-%04d' "$i" | base64 -w0)"; done
  for i in 1 2 3 4; do printf '%s self-contained %s\n' "$OAEP" "$(printf 'mixed-t%d' "$i" | base64 -w0)"; done
  for i in 1 2 3 4; do printf 'RSA plain %s\n' "$(printf 'mixed-b%d' "$i" | base64 -w0)"; done; } > jin.txt
java_peer encrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon < jin.txt > jout.txt || fail "Java encrypt"
{ echo "BEGIN;"
  head -n $N jout.txt | nl -ba | while read -r i v; do echo "INSERT INTO IDN_SECRET VALUES ($i, 'n$i', '$v');"; done
  for i in 1 2 3 4; do
    t=$(sed -n "$((N + i))p" jout.txt); b=$(sed -n "$((N + 4 + i))p" jout.txt)
    echo "INSERT INTO MIXED VALUES ($i, CAST('$t' AS BLOB), '$b');"
  done
  echo "INSERT INTO MIXED VALUES (5, NULL, X''), (6, '', CAST('' AS BLOB));"
  echo "COMMIT;"; } | sqlite3 "$DB"
cat > t.toml <<'TOML'
[[target]]
table = "IDN_SECRET"
column = "SECRET_VALUE"
key = ["ID"]
[[target]]
table = "MIXED"
column = "T"
[[target]]
table = "MIXED"
column = "B"
TOML
ARGS=(--home "$H" --db "$DB" --targets t.toml --batch-size 25 --jobs 2)
cp "$DB" db.orig; cp "$CONF" conf.orig
classes() { sqlite3 "$DB" "SELECT ID, typeof(T), typeof(B) FROM MIXED ORDER BY ID"; }
classes_before=$(classes)
journal_rows() { sqlite3 "$DB" "SELECT count(*) FROM KSMIGRATE_JOURNAL" 2>/dev/null || echo 0; }
has_journal() { [[ -n $(sqlite3 "$DB" "SELECT name FROM sqlite_master WHERE name LIKE 'KSMIGRATE%'") ]]; }
untouched() {  # WHAT: database (content) and deployment.toml exactly as at the start, no journal
  sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "$1: integrity check"
  assert_eq "$(sqlite3 db.orig .dump)" "$(sqlite3 "$DB" .dump)" "$1: database content unchanged"
  cmp -s "$CONF" conf.orig || fail "$1: deployment.toml changed"; ok
  [[ ! -e "$CONF.ksmigrate.bak" ]] || fail "$1: a config backup was left"; ok
}
# consistent WHAT: after a stopped run: every journaled row holds what the run wrote,
# every other row its original bytes; deployment.toml is the original or its backup is.
consistent() {
  sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "$1: integrity check"
  if has_journal; then
    # Row keys are JSON: [{"i":ID}] for an integer primary key; values are kept as
    # (storage class, bytes): 't' and the text's bytes as a BLOB.
    assert_eq 0 "$(sqlite3 "$DB" "ATTACH 'db.orig' AS o; SELECT count(*) FROM KSMIGRATE_JOURNAL j
      JOIN IDN_SECRET s ON s.ID = json_extract(j.row_key, '\$[0].i') JOIN o.IDN_SECRET os ON os.ID = s.ID
      WHERE j.target = 'IDN_SECRET.SECRET_VALUE' AND (j.old_type IS NOT 't' OR j.new_type IS NOT 't'
        OR s.SECRET_VALUE IS NOT CAST(j.new_value AS TEXT) OR os.SECRET_VALUE IS NOT CAST(j.old_value AS TEXT))")" "$1: journal matches the data"
  fi
  sqlite3 "$DB" "ATTACH 'db.orig' AS o; SELECT s.ID FROM IDN_SECRET s JOIN o.IDN_SECRET os USING (ID) WHERE s.SECRET_VALUE IS NOT os.SECRET_VALUE" > changed.txt
  local journaled; journaled=$(journal_rows)
  assert_eq "$journaled" "$(( $(wc -l < changed.txt) + $(sqlite3 "$DB" "ATTACH 'db.orig' AS o; SELECT count(*) FROM MIXED m JOIN o.MIXED om USING (ID) WHERE m.T IS NOT om.T OR m.B IS NOT om.B") ))" "$1: changed rows = journaled rows"
  if [[ -e "$CONF.ksmigrate.bak" ]]; then cmp -s "$CONF.ksmigrate.bak" conf.orig || fail "$1: config backup is not the original"
  else cmp -s "$CONF" conf.orig || fail "$1: config changed without a backup"; fi
  ok
}
completes() {  # WHAT: a later run finishes and everything reads under the target key
  run_capture "$KSMIGRATE" run "${ARGS[@]}"
  expect_rc 0 "$1: the later run completes ($ERR)"
  run_capture "$KSMIGRATE" verify "${ARGS[@]}" --json
  expect_rc 0 "$1: verify after the later run"
  assert_eq "$N 4 4" "$(jq -j '[.targets[].states.target] | join(" ")' <<<"$OUT")" "$1: every value under the target key"
  assert_eq "$classes_before" "$(classes)" "$1: storage classes kept"
}
reset_db() { cp db.orig "$DB"; cp conf.orig "$CONF"; rm -f "$CONF.ksmigrate.bak" "$DB".ksmigrate-*.bak "$DB.ksmigrate.lock"; }

# --- Missing table / column: plan lists them (exit 1), run refuses before writing (exit 3).
printf '[[target]]\ntable = "NO_SUCH_TABLE"\ncolumn = "X"\n[[target]]\ntable = "MIXED"\ncolumn = "NO_COLUMN"\n' > missing.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets missing.toml
expect_rc 1 "plan with a missing table and column"
assert_contains "$OUT$ERR" "NO_SUCH_TABLE" "plan names the missing table"
assert_contains "$OUT$ERR" "NO_COLUMN" "plan names the missing column"
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --targets missing.toml
expect_error 3 "NO_SUCH_TABLE" "run with a missing table"
assert_contains "$ERR" "NO_COLUMN" "run names the missing column"
untouched "missing table/column"
[[ -z $(ls "$DB".ksmigrate-*.bak 2>/dev/null) ]] || fail "a backup was made for a refused run"; ok
printf '[[target]]\ntable = "IDN_SECRET"\ncolumn = "SECRET_VALUE"\nkey = ["NO_KEY"]\n' > badkey.toml
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --targets badkey.toml
expect_error 3 "NO_KEY" "run with a missing key column"
untouched "missing key column"

# --- Locked by another connection: run waits the busy timeout, then exit 4; nothing changed.
mkfifo hold.fifo
sqlite3 "$DB" < hold.fifo > /dev/null 2>&1 &
holder=$!
exec 7> hold.fifo
echo "BEGIN EXCLUSIVE; UPDATE MIXED SET ID = ID WHERE ID = 1;" >&7
sleep 0.5
start=$(date +%s)
run_capture timeout 60 "$KSMIGRATE" run "${ARGS[@]}"
took=$(( $(date +%s) - start ))
expect_error 4 "WSO2AM_DB.db" "database locked by another connection"
assert_contains "$ERR" "another connection" "says another connection holds it"
[[ $took -ge 4 ]] || fail "gave up after ${took}s, before the busy timeout"; ok
echo "ROLLBACK;" >&7; exec 7>&-; wait "$holder" 2>/dev/null || true
untouched "locked database"
# A reader holding a shared lock (a long SELECT) blocks the commit the same way.
for backup in --no-backup ""; do
  mkfifo hold2.fifo 2>/dev/null || true
  sqlite3 "$DB" < hold2.fifo > /dev/null 2>&1 &
  holder=$!
  exec 7> hold2.fifo
  echo "BEGIN; SELECT count(*) FROM IDN_SECRET;" >&7
  sleep 0.5
  run_capture timeout 60 "$KSMIGRATE" run "${ARGS[@]}" $backup
  [[ $RC == 4 ]] || fail "shared lock ($backup): exit $RC ($ERR)"; ok
  expect_error 4 "WSO2AM_DB.db" "database read-locked ($backup)"
  echo "ROLLBACK;" >&7; exec 7>&-; wait "$holder" 2>/dev/null || true
  consistent "read-locked database ($backup)"
  reset_db
done

# --- Read-only database file, read-only folder (as nobody: root ignores modes).
chmod 755 "$WORK" "$H" "$H/repository" "$SEC" "$H/repository/conf"
chmod 644 "$SEC"/* "$WORK/t.toml"
chmod 666 "$CONF"; chmod 1777 "$H/repository/database"   # the config and lock file may be written
chmod 644 "$DB"; cp -p "$DB" db.ro
run_capture as_nobody "$KSMIGRATE" run "${ARGS[@]}"
expect_error 3 "WSO2AM_DB.db" "read-only database file"
assert_contains "$ERR" "read-only" "says read-only"
untouched "read-only database file"
chmod 666 "$DB"; chmod 755 "$H/repository/database"
run_capture as_nobody "$KSMIGRATE" run "${ARGS[@]}" --no-backup
expect_error 3 "WSO2AM_DB.db" "database in a read-only folder"
untouched "read-only folder"
chmod 755 "$H/repository/database"; chmod 644 "$DB" "$CONF"; reset_db

# --- Disk full while writing: a file-size limit just above the database's size lets
# the backup be made and stops the run when the journal outgrows it. ksmigrate ignores
# SIGXFSZ itself, so write() fails with EFBIG as on a full disk.
limit=$(( $(stat -c %s "$DB") / 1024 + 160 ))
run_capture bash -c 'ulimit -f "$0"; exec "$@"' "$limit" "$KSMIGRATE" run "${ARGS[@]}"
expect_error 3 "WSO2AM_DB.db" "file-size limit (disk full) during run"
assert_contains "$ERR" "no space left" "says the disk is full"
j=$(journal_rows)
[[ $j -gt 0 && $j -lt $N ]] || fail "disk full was expected in the middle of the run (journal: $j rows)"; ok
consistent "disk full"
run_capture "$KSMIGRATE" status --home "$H" --db "$DB" --targets t.toml --json
expect_rc 0 "status after disk full"
assert_eq false "$(jq '.databases[0].finished' <<<"$OUT")" "status: unfinished"
completes "disk full"
check_java() {
  sqlite3 "$DB" "SELECT '$OAEP ' || SECRET_VALUE FROM IDN_SECRET ORDER BY ID" > back.txt
  java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < back.txt > plain.txt || fail "Java decrypt"
  assert_eq "$(head -n $N jin.txt | cut -d' ' -f3 | md5sum)" "$(md5sum < plain.txt)" "Java reads every value as the original"
}
check_java

# --- Storage classes: rollback restores exact bytes and classes, a second run keeps them too.
run_capture "$KSMIGRATE" rollback --home "$H" --db "$DB" --targets t.toml
expect_rc 0 "rollback"
assert_eq "$(sqlite3 db.orig "SELECT ID, typeof(T), hex(T), typeof(B), hex(B) FROM MIXED ORDER BY ID")" \
  "$(sqlite3 "$DB" "SELECT ID, typeof(T), hex(T), typeof(B), hex(B) FROM MIXED ORDER BY ID")" "rollback: exact bytes and classes"
cmp -s "$CONF" conf.orig || fail "rollback restores deployment.toml"; ok
completes "after rollback"
assert_eq "blob" "$(sqlite3 "$DB" "SELECT typeof(T) FROM MIXED WHERE ID = 1")" "BLOB in a VARCHAR column stays BLOB"
assert_eq "text" "$(sqlite3 "$DB" "SELECT typeof(B) FROM MIXED WHERE ID = 1")" "TEXT in a BLOB column stays TEXT"
sqlite3 "$DB" "SELECT '$OAEP ' || CAST(T AS TEXT) FROM MIXED WHERE ID <= 4 ORDER BY ID; SELECT 'RSA ' || B FROM MIXED WHERE ID <= 4 ORDER BY ID" > mixed.txt
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < mixed.txt | while read -r b; do echo "$b" | base64 -d; echo; done > mixed.plain
assert_eq "$(printf 'mixed-t%d\n' 1 2 3 4; printf 'mixed-b%d\n' 1 2 3 4)" "$(cat mixed.plain)" "Java reads the mixed-class values"
done_testing
