#!/usr/bin/env bash
# Deterministic crash tests: ksmigrate_faulty (a test build) kills itself with SIGKILL
# at one exact point of a batch's life, or of the config step; then the release
# ksmigrate runs again. At every point: what was committed matches the journal,
# deployment.toml is untouched until the databases are done, and the resumed run
# finishes with every value re-encrypted exactly once and read back by Java.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
configure_internal_keystore
N=12
make_token_table "$N"   # 12 rows in batches of 5: 5, 5, 2
cp "$DB" db.orig; cp "$CONF" conf.orig
FAULTY="$KSC_BIN/ksmigrate_faulty"
[[ -x $FAULTY ]] || fail "no ksmigrate_faulty in $KSC_BIN"
T=(--home "$H" --db "$DB" --targets t.toml --batch-size 5 --no-backup --jobs 1)
journal_rows() { sqlite3 "$DB" "SELECT count(*) FROM KSMIGRATE_JOURNAL" 2>/dev/null || echo 0; }
changed_rows() { sqlite3 "$DB" "ATTACH 'db.orig' AS o; SELECT count(*) FROM IDN_OAUTH2_ACCESS_TOKEN t JOIN o.IDN_OAUTH2_ACCESS_TOKEN ot USING (TOKEN_ID) WHERE t.ACCESS_TOKEN IS NOT ot.ACCESS_TOKEN"; }

# POINT:N and the rows committed when the process dies there: dying anywhere in the
# 2nd batch keeps the 1st; the 2nd "after-commit" follows the 2nd batch. journal-tables
# is inside the transaction that creates the journal (SQLite: none is left), journal-started
# right after it.
for case in "journal-tables:1 0" "journal-started:1 0" "batch-read:2 5" "batch-updated:2 5" "batch-journaled:2 5" "before-commit:2 5" "after-commit:2 10" \
            "before-config:1 12" "after-config:1 12"; do
  point=${case% *}; committed=${case#* }
  cp db.orig "$DB"; cp conf.orig "$CONF"; rm -f "$CONF.ksmigrate.bak" "$CONF.ksmigrate.sha256"
  run_capture env KSC_FAULT_AT="$point" "$FAULTY" run "${T[@]}"
  expect_rc 137 "killed at $point"
  assert_eq "$committed $committed" "$(journal_rows) $(changed_rows)" "$point: committed rows = journal rows"
  if [[ $point == after-config:1 ]]; then
    cmp -s conf.orig "$CONF.ksmigrate.bak" || fail "$point: no backup of deployment.toml"; ok
  else
    cmp -s conf.orig "$CONF" || fail "$point: deployment.toml changed before the databases were done"; ok
  fi
  run_capture "$KSMIGRATE" run "${T[@]}"
  expect_rc 0 "$point: the run after the crash finishes"
  assert_eq "$N 0" "$(journal_rows) $(sqlite3 "$DB" "SELECT count(*) FROM (SELECT row_key FROM KSMIGRATE_JOURNAL GROUP BY row_key HAVING count(*) > 1)")" "$point: every row once"
  sqlite3 "$DB" "SELECT '$OAEP ' || ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY CAST(substr(TOKEN_ID, 2) AS INTEGER)" > back.txt
  java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < back.txt > got.txt || fail "$point: Java cannot read a value"
  assert_eq "$(cut -d' ' -f3 jin.txt)" "$(cat got.txt)" "$point: Java reads every value under the new key"
  sed -nE 's/^(admin_password|db_password) = "([^"]*)".*/RSA \2/p' "$CONF" > cfg.txt
  assert_eq 2 "$(java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < cfg.txt | wc -l)" "$point: config secrets under the new key"
  run_capture "$KSMIGRATE" finalize --home "$H" --db "$DB" --targets t.toml
  expect_rc 0 "$point: finalize"
done
done_testing
