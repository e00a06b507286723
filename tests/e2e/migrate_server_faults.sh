# kill -9 at every point of a run's life on a database server (sourced by
# test_migrate_server_faults_postgres.sh / _mysql.sh with BACKEND set), as
# test_migrate_faults.sh does on SQLite: ksmigrate_faulty (a test build) kills itself
# at POINT:N, then the release ksmigrate runs again at once. The killed client's session,
# its open transaction and its migration lock (pg_advisory_lock / GET_LOCK) are left to
# the server, which drops them when the socket closes. At every point: the rows changed
# are exactly the journaled ones, deployment.toml is untouched until the databases are
# done, and the resumed run finishes with every value re-encrypted once, verify passes
# and Java reads each value under the new key. While a stopped run holds the lock another
# is refused. A rollback right after a crash restores every original byte, and
# deployment.toml. Killed while creating the journal (MariaDB keeps part of it), the next
# run is a fresh start: its backup made and recorded, the journal completed (its index
# too); status, finalize and rollback handle what is left.
source "$KSC_SRC/tests/e2e/server_backend.sh"
FAULTY="$KSC_BIN/ksmigrate_faulty"
[[ -x $FAULTY ]] || fail "no ksmigrate_faulty in $KSC_BIN"

make_migration_home
configure_internal_keystore
# 12 tokens, self-contained OAEP by the Java peer under the source key: batches of 5, 5, 2.
# TOKEN_ORIG keeps the original values (no target names it).
N=12
for i in $(seq 1 $N); do printf '%s self-contained %s\n' "$OAEP" "$(printf 'tok-%05d' "$i" | base64 -w0)"; done > jin.txt
java_peer encrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon < jin.txt > jout.txt || fail "Java encrypt"
{ echo "CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255), ACCESS_TOKEN VARCHAR(2048), TOKEN_STATE VARCHAR(25), PRIMARY KEY (TOKEN_ID));"
  echo "CREATE TABLE TOKEN_ORIG (TOKEN_ID VARCHAR(255), ACCESS_TOKEN VARCHAR(2048), PRIMARY KEY (TOKEN_ID));"
  paste -d' ' <(seq -w 1 $N) jout.txt | while read -r i v; do echo "INSERT INTO TOKEN_ORIG VALUES ('t$i', '$v');"; done
  echo "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN SELECT TOKEN_ID, ACCESS_TOKEN, 'ACTIVE' FROM TOKEN_ORIG;"; } > tokens.sql
load_sql tokens.sql || fail "load the tokens"
printf '[[target]]\ntable = "IDN_OAUTH2_ACCESS_TOKEN"\ncolumn = "ACCESS_TOKEN"\nkey = ["TOKEN_ID"]\n' > t.toml
cp "$CONF" conf.orig
DBARGS=(--home "$H" --db "$URL" --db-password-file dbpw.txt --targets t.toml)
T=("${DBARGS[@]}" --batch-size 5 --no-backup --jobs 1)

values() { sqlq "SELECT TOKEN_ID, $(hex_of "$(as_bytes ACCESS_TOKEN)") FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY TOKEN_ID"; }
values_orig=$(values)
# "changed journaled matching": rows whose value changed, journal entries, and journal
# entries whose old value is the row's original and whose new value is what the row holds.
counts() {
  sqlq "SELECT (SELECT count(*) FROM IDN_OAUTH2_ACCESS_TOKEN t JOIN TOKEN_ORIG o ON o.TOKEN_ID = t.TOKEN_ID
                WHERE $(as_bytes t.ACCESS_TOKEN) <> $(as_bytes o.ACCESS_TOKEN)),
               (SELECT count(*) FROM $J),
               (SELECT count(*) FROM $J j JOIN IDN_OAUTH2_ACCESS_TOKEN t ON j.new_value = $(as_bytes t.ACCESS_TOKEN)
                JOIN TOKEN_ORIG o ON o.TOKEN_ID = t.TOKEN_ID AND j.old_value = $(as_bytes o.ACCESS_TOKEN)
                WHERE j.old_type = 't' AND j.new_type = 't')" | tr '|' ' '
}
ksmigrate_tables() {
  sqlq "SELECT count(*) FROM information_schema.tables WHERE $IN_SCHEMA AND upper(table_name) LIKE 'KSMIGRATE%'"
}
# The journal's (target, row_key) index; every index of a KSMIGRATE% table or named so.
case $BACKEND in
  postgres) INDEXES="pg_indexes WHERE schemaname = 'public'"; INDEX=indexname; ON_TABLE=tablename ;;
  mysql) INDEXES="information_schema.statistics WHERE $IN_SCHEMA"; INDEX=index_name; ON_TABLE=table_name ;;
esac
journal_index() { sqlq "SELECT count(DISTINCT $INDEX) FROM $INDEXES AND $INDEX = 'KSMIGRATE_JOURNAL_TARGET_KEY'"; }
ksmigrate_indexes() {
  sqlq "SELECT count(*) FROM $INDEXES AND (upper($INDEX) LIKE 'KSMIGRATE%' OR upper($ON_TABLE) LIKE 'KSMIGRATE%')"
}
reset() {
  sqlq "UPDATE IDN_OAUTH2_ACCESS_TOKEN SET ACCESS_TOKEN = (SELECT o.ACCESS_TOKEN FROM TOKEN_ORIG o WHERE o.TOKEN_ID = IDN_OAUTH2_ACCESS_TOKEN.TOKEN_ID)"
  cp conf.orig "$CONF"; rm -f "$CONF.ksmigrate.bak" "$CONF.ksmigrate.sha256"
  assert_eq "$values_orig 0" "$(values) $(ksmigrate_tables)" "reset: the original values, no journal"
}
# crash POINT:N COMMITTED: the faulty run dies there; COMMITTED rows are changed and journaled.
crash() {
  reset
  run_capture env KSC_FAULT_AT="$1" "$FAULTY" run "${T[@]}"
  expect_rc 137 "killed at $1"
  assert_eq "$2 $2 $2" "$(counts)" "$1: rows changed = rows journaled (old and new value)"
  if [[ $1 == after-config:* ]]; then
    cmp -s conf.orig "$CONF.ksmigrate.bak" || fail "$1: no backup of deployment.toml"; ok
    ! cmp -s conf.orig "$CONF" || fail "$1: deployment.toml was not rewritten"; ok
  else
    cmp -s conf.orig "$CONF" || fail "$1: deployment.toml changed before the databases were done"; ok
  fi
}
# Every token and both [secrets] values, for Java to read under the new key at the end
# (one JVM for all points): back.txt the ciphertexts, want.txt the plaintexts' Base64.
: > back.txt; : > want.txt
read_back_later() {
  sqlq "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY TOKEN_ID" | sed "s|^|$OAEP |" >> back.txt
  sed -nE 's/^(admin_password|db_password) = "([^"]*)".*/RSA \2/p' "$CONF" >> back.txt
  { cut -d' ' -f3 jin.txt; printf 'admin-pw' | base64 -w0; echo; printf 'db-pw' | base64 -w0; echo; } >> want.txt
  assert_eq "$(wc -l < want.txt)" "$(wc -l < back.txt)" "$1: every value and both config secrets read"
}

# POINT:N and the rows committed when the process dies there: dying anywhere in the 2nd
# batch keeps the 1st; batch-read:1 is right after the journal was created (MySQL
# commits that DDL on its own); the 2nd "after-commit" follows the 2nd batch.
for case in "batch-read:1 0" "batch-read:2 5" "batch-updated:2 5" "batch-journaled:2 5" "before-commit:2 5" \
            "after-commit:2 10" "before-config:1 12" "after-config:1 12"; do
  point=${case% *}
  crash "$point" "${case#* }"
  # At once: the server may still be dropping the dead session (its lock, its transaction).
  run_capture "$KSMIGRATE" run "${T[@]}"
  expect_rc 0 "$point: the run after the crash finishes"
  assert_contains "$ERR" "resuming:" "$point: it resumes the killed run"
  assert_eq "$N $N $N 0" "$(counts) $(sqlq "SELECT count(*) FROM (SELECT row_key FROM $J GROUP BY row_key HAVING count(*) > 1) x")" \
    "$point: every row re-encrypted exactly once"
  read_back_later "$point"
  run_capture "$KSMIGRATE" verify "${DBARGS[@]}" --json
  expect_rc 0 "$point: verify"
  assert_eq "$N 0" "$(jq -j '.targets[0].states | "\(.target) \(.source)"' <<<"$OUT")" "$point: verify finds every value under the new key"
  run_capture "$KSMIGRATE" finalize "${DBARGS[@]}"
  expect_rc 0 "$point: finalize"
done

# Killed while creating the journal (journal-tables: its entries table made, the index and
# the run table not yet), the run making its backup this time. MariaDB commits each
# CREATE on its own and keeps the entries table alone; PostgreSQL rolls it all back.
# Either way no value changed and no journal records a run: the next run is a fresh start
# that makes its own backup and records it, and completes the journal (its index too).
# The killed run's backup is left, named by no journal (README: Backups).
B=("${DBARGS[@]}" --batch-size 5 --jobs 1)  # with a backup
half_left=$([[ $BACKEND == mysql ]] && echo "1 0" || echo "0 0")  # KSMIGRATE% tables, journal index
# half_journal WHAT: killed at journal-tables:1; sets KILLED_BACKUP.
half_journal() {
  reset
  rm -f ksmigrate-backup-*
  run_capture env KSC_FAULT_AT=journal-tables:1 "$FAULTY" run "${B[@]}"
  expect_rc 137 "$1: killed while creating the journal"
  assert_eq "$values_orig $half_left" "$(values) $(ksmigrate_tables) $(journal_index)" \
    "$1: no value changed; what is left of the journal (MariaDB: the entries table, no index)"
  cmp -s conf.orig "$CONF" || fail "$1: deployment.toml changed"; ok
  KILLED_BACKUP=$(ls ksmigrate-backup-*) || fail "$1: the killed run made no backup"
  assert_eq "1 $N" "$(wc -l <<<"$KILLED_BACKUP") $(wc -l < "$KILLED_BACKUP")" "$1: the killed run's backup, every row"
}
half_journal journal-tables
run_capture "$KSMIGRATE" status "${DBARGS[@]}" --json
expect_rc 0 "journal-tables: status of the half journal"
assert_eq "$([[ $BACKEND == mysql ]] && echo "true true" || echo "false false")" \
  "$(jq -j '.databases[0] | "\(.journal) \(has("note"))"' <<<"$OUT")" "journal-tables: status shows a journal with no run"
run_capture "$KSMIGRATE" status "${DBARGS[@]}"
expect_rc 0 "journal-tables: status in words"
[[ $BACKEND != mysql ]] || assert_contains "$OUT" "no run recorded" "journal-tables: status says no run is recorded"
run_capture "$KSMIGRATE" plan "${DBARGS[@]}"
expect_rc 0 "journal-tables: plan is GO over what is left (run starts afresh over it)"
[[ $BACKEND != mysql ]] || assert_contains "$OUT$ERR" "starts afresh" "journal-tables: plan says run starts afresh"
run_capture "$KSMIGRATE" run "${B[@]}"
expect_rc 0 "journal-tables: the run after the crash finishes"
assert_not_contains "$ERR" "resuming:" "journal-tables: a fresh start, not a resumed run"
new_backup=$(ls "$(pwd -P)"/ksmigrate-backup-* | grep -vxF "$(pwd -P)/$KILLED_BACKUP" || true)
assert_eq "1 $N" "$(wc -l <<<"$new_backup") $(wc -l < "$new_backup")" "journal-tables: one new backup, every row (old values)"
assert_contains "$ERR" "backup written to $new_backup" "journal-tables: the run names its backup"
assert_eq "$N $N $N 1" "$(counts) $(journal_index)" "journal-tables: every row re-encrypted once; the journal index made"
run_capture "$KSMIGRATE" status "${DBARGS[@]}" --json
expect_rc 0 "journal-tables: status after the run"
assert_eq "$new_backup true" "$(jq -j '.databases[0] | "\(.backup_file) \(.finished)"' <<<"$OUT")" \
  "journal-tables: the journal names the new backup"
read_back_later journal-tables
run_capture "$KSMIGRATE" verify "${DBARGS[@]}" --json
expect_rc 0 "journal-tables: verify"
assert_eq "$N 0" "$(jq -j '.targets[0].states | "\(.target) \(.source)"' <<<"$OUT")" "journal-tables: verify finds every value under the new key"
run_capture "$KSMIGRATE" finalize "${DBARGS[@]}"
expect_rc 0 "journal-tables: finalize"
assert_eq "0 0" "$(ksmigrate_tables) $(ksmigrate_indexes)" "journal-tables: finalize leaves no KSMIGRATE% table or index"
# What is left of the journal is removed by finalize and by rollback alike (with nothing
# left, as on PostgreSQL, rollback says it found no journal: exit 1).
for job in finalize rollback; do
  half_journal "journal-tables then $job"
  run_capture "$KSMIGRATE" "$job" "${DBARGS[@]}"
  expect_rc "$([[ $job == rollback && $BACKEND == postgres ]] && echo 1 || echo 0)" "journal-tables then $job"
  assert_eq "$values_orig 0 0" "$(values) $(ksmigrate_tables) $(ksmigrate_indexes)" \
    "journal-tables then $job: no value changed, no KSMIGRATE% table or index left"
done
rm -f ksmigrate-backup-*
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < back.txt > got.txt || fail "Java cannot read a migrated value"
cmp -s want.txt got.txt || fail "Java's plaintexts differ from the originals: $(diff want.txt got.txt | head -4)"; ok

# The lock is the server's: while a run stopped mid-batch (SIGSTOP) holds it, another run
# is refused, naming the holder; kill -9 of the holder ends its session, lock and open
# transaction on the server, and the next run goes on at once.
reset
KSC_FAULT_AT=before-commit:2:pause "$FAULTY" run "${T[@]}" >/dev/null 2>&1 </dev/null &
holder=$!
for i in $(seq 1 600); do [[ $(awk '{print $3}' "/proc/$holder/stat" 2>/dev/null) == T ]] && break; sleep 0.1; done
[[ $(awk '{print $3}' "/proc/$holder/stat") == T ]] || fail "the run did not stop before its 2nd commit"
run_capture "$KSMIGRATE" run "${T[@]}"
expect_error 4 "another ksmigrate run holds $URL" "a second run while the first holds the lock"
cmp -s conf.orig "$CONF" || fail "the refused run changed deployment.toml"; ok
kill -9 "$holder"; wait "$holder" || true
assert_eq "5 5 5" "$(counts)" "the holder's open batch is rolled back by the server"
run_capture "$KSMIGRATE" run "${T[@]}"
expect_rc 0 "the run right after the holder was killed"
assert_eq "$N $N $N" "$(counts)" "it finishes the killed run"
run_capture "$KSMIGRATE" finalize "${DBARGS[@]}"
expect_rc 0 "finalize"

# Rollback right after a crash, with the dead session's transaction and lock maybe still
# on the server: mid-batch (an uncommitted batch) and after deployment.toml was rewritten.
for point in before-commit:2 after-config:1; do
  crash "$point" "$([[ $point == after-config:1 ]] && echo $N || echo 5)"
  run_capture "$KSMIGRATE" rollback "${DBARGS[@]}"
  expect_rc 0 "$point: rollback after the crash"
  assert_eq "$values_orig" "$(values)" "$point: every original value back, byte for byte"
  assert_eq 0 "$(ksmigrate_tables)" "$point: the journal is gone"
  cmp -s conf.orig "$CONF" || fail "$point: deployment.toml is not the original"; ok
done
done_testing
