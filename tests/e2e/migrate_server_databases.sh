# Targets and databases on a database server (sourced by
# test_migrate_server_databases_postgres.sh / _mysql.sh with BACKEND set):
#  - a missing table, a missing column and a missing key column named by a targets file:
#    plan reports them (not_scanned, exit 1); run refuses (exit 3) before writing anything;
#  - with no --db, the two databases deployment.toml declares, [database.apim_db] and
#    [database.shared_db], on one server: REG_/UM_ targets are looked for only in
#    shared_db, the others only in apim_db (a REG_PROPERTY copy in apim_db is not the
#    product's registry and stays as it is); values in both are migrated (the run killed
#    between them, then resumed), verified, read back by Java and rolled back byte for
#    byte; killed between the two journals, the next run gives each database one recorded
#    backup (shared_db's from the killed run stays, unrecorded); a REG_ table present
#    only in apim_db is reported as missing from shared_db.
source "$KSC_SRC/tests/e2e/server_backend.sh"
create_database shared_db || fail "create shared_db"
SHARED_URL=$(server_url shared_db)

make_migration_home
configure_internal_keystore
# Values by the Java peer under the source key (self-contained OAEP, REG_PROPERTY 1 plain PKCS#1).
{ for p in idn-1 idn-2 idn-3 reg-copy; do printf '%s self-contained %s\n' "$OAEP" "$(printf '%s' "$p" | base64 -w0)"; done
  printf 'RSA plain %s\n' "$(printf 'reg-1' | base64 -w0)"
  for p in reg-2 um-1; do printf '%s self-contained %s\n' "$OAEP" "$(printf '%s' "$p" | base64 -w0)"; done; } > jin.txt
java_peer encrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon < jin.txt > jout.txt || fail "Java encrypt"
v() { sed -n "$1p" jout.txt; }
REG_PROPERTY="CREATE TABLE REG_PROPERTY (REG_ID INTEGER, REG_NAME VARCHAR(100) NOT NULL, REG_VALUE VARCHAR(1000), REG_TENANT_ID INTEGER DEFAULT 0, PRIMARY KEY (REG_ID, REG_TENANT_ID));"
cat > apim.sql <<SQL
CREATE TABLE IDN_SECRET (ID VARCHAR(255) NOT NULL, SECRET_NAME VARCHAR(1023) NOT NULL, SECRET_VALUE VARCHAR(8000) NOT NULL, PRIMARY KEY (ID));
INSERT INTO IDN_SECRET VALUES ('s1', 'n1', '$(v 1)'), ('s2', 'n2', '$(v 2)'), ('s3', 'n3', '$(v 3)');
$REG_PROPERTY
INSERT INTO REG_PROPERTY VALUES (1, 'password', '$(v 4)', -1234);
CREATE TABLE REG_LEFTOVER (ID INTEGER, REG_VALUE VARCHAR(1000), PRIMARY KEY (ID));
INSERT INTO REG_LEFTOVER VALUES (1, '$(v 4)');
SQL
cat > shared.sql <<SQL
$REG_PROPERTY
INSERT INTO REG_PROPERTY VALUES (1, 'password', '$(v 5)', -1234), (2, 'password', '$(v 6)', -1234), (3, 'other', 'x', -1234);
CREATE TABLE UM_USER_ATTRIBUTE (UM_ID $SERIAL, UM_ATTR_NAME VARCHAR(255) NOT NULL, UM_ATTR_VALUE VARCHAR(1024), UM_PROFILE_ID VARCHAR(255), UM_USER_ID INTEGER, UM_TENANT_ID INTEGER DEFAULT 0, PRIMARY KEY (UM_ID));
INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID) VALUES ('secret', '$(v 7)', 'default', 1, -1234);
SQL
load_sql apim.sql || fail "load apim_db"
sqlq_in shared_db "$(cat shared.sql)" >/dev/null || fail "load shared_db"

# Every value column of both databases in hex, and whether ksmigrate's tables are there.
hex() { hex_of "$(as_bytes "$1")"; }
apim_registry() {  # apim_db's REG_ tables (not the product's registry)
  sqlq "SELECT REG_ID, $(hex REG_VALUE) FROM REG_PROPERTY ORDER BY 1"
  sqlq "SELECT ID, $(hex REG_VALUE) FROM REG_LEFTOVER ORDER BY 1"
}
values() {
  sqlq "SELECT ID, $(hex SECRET_VALUE) FROM IDN_SECRET ORDER BY 1"
  apim_registry
  sqlq_in shared_db "SELECT REG_ID, $(hex REG_VALUE) FROM REG_PROPERTY ORDER BY 1"
  sqlq_in shared_db "SELECT UM_ID, $(hex UM_ATTR_VALUE) FROM UM_USER_ATTRIBUTE ORDER BY 1"
}
ksmigrate_tables() {  # DATABASE
  sqlq_in "$1" "SELECT count(*) FROM information_schema.tables WHERE $IN_SCHEMA AND upper(table_name) LIKE 'KSMIGRATE%'"
}
values_orig=$(values); registry_orig=$(apim_registry)
cp "$CONF" conf.plain
# untouched WHAT: no value, journal, backup or deployment.toml byte changed.
untouched() {
  assert_eq "$values_orig 0 0" "$(values) $(ksmigrate_tables apim_db) $(ksmigrate_tables shared_db)" "$1: no value changed, no journal"
  [[ -z $(ls ksmigrate-backup-* 2>/dev/null) ]] || fail "$1: a backup file was written"; ok
  cmp -s "$CONF" "$2" || fail "$1: deployment.toml changed"; ok
}

# --- A missing table, column and key column (--db): plan lists them, run refuses.
printf '[[target]]\ntable = "NO_SUCH_TABLE"\ncolumn = "X"\n[[target]]\ntable = "IDN_SECRET"\ncolumn = "NO_COLUMN"\n[[target]]\ntable = "IDN_SECRET"\ncolumn = "SECRET_VALUE"\n' > missing.toml
M=(--home "$H" --db "$URL" --db-password-file dbpw.txt)
run_capture "$KSMIGRATE" plan "${M[@]}" --targets missing.toml --json missing.json
expect_rc 1 "plan with a missing table and column"
problem() { jq -r --arg t "$1" --arg c "$2" '.problem_details[] | select(.table==$t and .column==$c) | "\(.database) \(.state) \(.message)"' "$3"; }
assert_contains "$(problem NO_SUCH_TABLE X missing.json)" "null not_scanned" "the missing table: found in no database, not scanned"
assert_contains "$(problem NO_SUCH_TABLE X missing.json)" "NO_SUCH_TABLE does not exist" "the missing table is named"
assert_contains "$(problem IDN_SECRET NO_COLUMN missing.json)" "$URL not_scanned" "the missing column: in the database holding the table, not scanned"
assert_contains "$(problem IDN_SECRET NO_COLUMN missing.json)" "NO_COLUMN" "the missing column is named"
assert_eq 3 "$(jq '.targets[] | select(.column=="SECRET_VALUE") | .states.source' missing.json)" "the other target is still surveyed"
assert_contains "$OUT" "NOT SCANNED" "the table says what was not scanned"
run_capture "$KSMIGRATE" run "${M[@]}" --targets missing.toml
expect_error 3 "NO_SUCH_TABLE" "run with a missing table"
assert_contains "$ERR" "NO_COLUMN" "run names the missing column"
assert_contains "$ERR" "nothing was changed" "run says nothing was changed"
untouched "missing table/column" conf.plain
printf '[[target]]\ntable = "IDN_SECRET"\ncolumn = "SECRET_VALUE"\nkey = ["NO_KEY"]\n' > badkey.toml
run_capture "$KSMIGRATE" run "${M[@]}" --targets badkey.toml
expect_error 3 "NO_KEY" "run with a missing key column"
untouched "missing key column" conf.plain

# --- deployment.toml declares apim_db and shared_db (no --db); the password of apim_db is
# a $secret{} of [secrets], shared_db's a literal.
sed -i "/^\[secrets\]/a apim_db_password = \"[$DB_PASSWORD]\"" "$CONF"
"$KSCIPHER" configure --home "$H" >/dev/null || fail "kscipher configure for the database password"
{ printf '\n[database.apim_db]\ntype = "%s"\nurl = "%s"\nusername = "apimadmin"\npassword = "$secret{apim_db_password}"\n' "$DB_TYPE" "$(jdbc_url apim_db)"
  printf '\n[database.shared_db]\ntype = "%s"\nurl = "%s"\nusername = "apimadmin"\npassword = "%s"\n' "$DB_TYPE" "$(jdbc_url shared_db)" "$DB_PASSWORD"; } >> "$CONF"
cp "$CONF" conf.orig
NO_LEAK=("$DB_PASSWORD")
cat > home.toml <<'TOML'
[[target]]
table = "IDN_SECRET"
column = "SECRET_VALUE"
[[target]]
table = "REG_PROPERTY"
column = "REG_VALUE"
[[target]]
table = "UM_USER_ATTRIBUTE"
column = "UM_ATTR_VALUE"
TOML
D=(--home "$H" --targets home.toml)
# where TABLE REPORT: the databases its targets were scanned in, and source/target counts.
where() { jq -j --arg t "$1" '[.targets[] | select(.table==$t) | "\(.database) \(.states.source) \(.states.target)"] | join(", ")' "$2"; }

run_capture "$KSMIGRATE" plan "${D[@]}" --json home.json
expect_rc 0 "plan on the two declared databases"
assert_contains "$ERR" "database apim_db from deployment.toml: $URL" "names apim_db"
assert_contains "$ERR" "database shared_db from deployment.toml: $SHARED_URL" "names shared_db"
assert_eq "$URL 3 0" "$(where IDN_SECRET home.json)" "IDN_SECRET in apim_db"
assert_eq "$SHARED_URL 2 0" "$(where REG_PROPERTY home.json)" "REG_PROPERTY in shared_db only (not apim_db's copy)"
assert_eq "$SHARED_URL 1 0" "$(where UM_USER_ATTRIBUTE home.json)" "UM_USER_ATTRIBUTE in shared_db"
for s in "${NO_LEAK[@]}"; do assert_not_contains "$OUT$ERR$(cat home.json)" "$s" "no database password shown"; done

# The run is killed (kill -9) after its first batch in shared_db, apim_db done but not
# finished; the next run finishes both.
run_capture env KSC_FAULT_AT=after-commit:3 "$KSC_BIN/ksmigrate_faulty" run "${D[@]}" --batch-size 2
expect_rc 137 "run killed after the first batch of shared_db (IDN_SECRET: 2 + 1, then REG_PROPERTY: 2)"
assert_eq "3 2" "$(sqlq "SELECT count(*) FROM $J") $(sqlq_in shared_db "SELECT count(*) FROM $J")" "apim_db done, shared_db's first batch"
cmp -s conf.orig "$CONF" || fail "deployment.toml changed before the databases were done"; ok
run_capture "$KSMIGRATE" status "${D[@]}" --json
expect_rc 0 "status of the two declared databases after the crash"
assert_eq "$URL false false,$SHARED_URL false false" "$(jq -j '[.databases[] | "\(.database) \(.finished) \(.running)"] | join(",")' <<<"$OUT")" \
  "both unfinished, neither locked"
backups=$(jq -r '.databases[].backup_file' <<<"$OUT")
assert_eq "2 2" "$(ls ksmigrate-backup-* | wc -l) $(sort -u <<<"$backups" | wc -l)" "one row backup per database, each recorded in its journal"
run_capture "$KSMIGRATE" run "${D[@]}"
expect_rc 0 "the run after the crash finishes both databases"
assert_eq 2 "$(ls ksmigrate-backup-* | wc -l)" "the resumed run keeps the first backups"
assert_eq "3 3" "$(sqlq "SELECT count(*) FROM $J") $(sqlq_in shared_db "SELECT count(*) FROM $J")" "each database journals its own rows"
[[ $(apim_registry) == "$registry_orig" ]] || fail "apim_db's REG_ tables are not the registry: they were changed"; ok
{ sqlq "SELECT SECRET_VALUE FROM IDN_SECRET ORDER BY ID" | sed "s|^|$OAEP |"
  sqlq_in shared_db "SELECT REG_VALUE FROM REG_PROPERTY WHERE REG_ID = 1" | sed "s|^|RSA |"
  sqlq_in shared_db "SELECT REG_VALUE FROM REG_PROPERTY WHERE REG_ID = 2" | sed "s|^|$OAEP |"
  sqlq_in shared_db "SELECT UM_ATTR_VALUE FROM UM_USER_ATTRIBUTE" | sed "s|^|$OAEP |"; } > back.txt
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < back.txt > got.txt || fail "Java cannot read a migrated value"
assert_eq "$(sed 4d jin.txt | cut -d' ' -f3)" "$(cat got.txt)" "Java reads the values of both databases under the new key"
assert_eq x "$(sqlq_in shared_db "SELECT REG_VALUE FROM REG_PROPERTY WHERE REG_ID = 3")" "a value that is not encrypted is left"

run_capture "$KSMIGRATE" verify "${D[@]}" --json
expect_rc 0 "verify the two declared databases"
assert_eq "$URL 0 3" "$(where IDN_SECRET <(echo "$OUT"))" "verify: apim_db under the new key"
assert_eq "$SHARED_URL 0 2" "$(where REG_PROPERTY <(echo "$OUT"))" "verify: shared_db under the new key"

run_capture "$KSMIGRATE" rollback "${D[@]}"
expect_rc 0 "rollback of the two declared databases"
rm -f ksmigrate-backup-*
untouched "rollback" conf.orig

# Killed between the two journals (journal-started:1, after apim_db's): both backups were
# made before the first journal started, shared_db's is named by no journal. The next run
# resumes apim_db (its backup kept) and starts shared_db afresh with a new backup it
# records; the killed run's backup of shared_db stays, unrecorded (README: Backups).
run_capture env KSC_FAULT_AT=journal-started:1 "$KSC_BIN/ksmigrate_faulty" run "${D[@]}"
expect_rc 137 "run killed after apim_db's journal started, before shared_db's"
assert_eq "$values_orig 2 0" "$(values) $(ksmigrate_tables apim_db) $(ksmigrate_tables shared_db)" \
  "killed between the journals: no value changed, apim_db's journal only"
killed_apim=$(ls "$(pwd -P)"/ksmigrate-backup-apim_db-*) || fail "no backup of apim_db"
killed_shared=$(ls "$(pwd -P)"/ksmigrate-backup-shared_db-*) || fail "no backup of shared_db"
assert_eq "1 1" "$(wc -l <<<"$killed_apim") $(wc -l <<<"$killed_shared")" "killed between the journals: one backup per database"
cmp -s conf.orig "$CONF" || fail "deployment.toml changed before the databases were done"; ok
run_capture "$KSMIGRATE" run "${D[@]}"
expect_rc 0 "the run after the kill between the journals"
assert_contains "$ERR" "resuming: 0 value(s) already re-encrypted in $URL" "apim_db's run is resumed"
new_shared=$(ls "$(pwd -P)"/ksmigrate-backup-shared_db-* | grep -vxF "$killed_shared" || true)
assert_eq "1 1" "$(ls ksmigrate-backup-apim_db-* | wc -l) $(wc -l <<<"$new_shared")" \
  "apim_db keeps its one backup; shared_db gets one new backup beside the killed run's"
assert_contains "$ERR" "$SHARED_URL: backup written to $new_shared" "the new backup of shared_db is named"
assert_not_contains "$ERR" "$URL: backup written to" "no new backup of apim_db"
run_capture "$KSMIGRATE" status "${D[@]}" --json
expect_rc 0 "status after the kill between the journals"
assert_eq "$URL $killed_apim true,$SHARED_URL $new_shared true" \
  "$(jq -j '[.databases[] | "\(.database) \(.backup_file) \(.finished)"] | join(",")' <<<"$OUT")" \
  "each journal names its database's backup: apim_db the killed run's, shared_db the new one"
twice() { sqlq_in "$1" "SELECT count(*) FROM (SELECT row_key FROM $J GROUP BY target, row_key HAVING count(*) > 1) x"; }
assert_eq "3 3 0 0" "$(sqlq "SELECT count(*) FROM $J") $(sqlq_in shared_db "SELECT count(*) FROM $J") $(twice apim_db) $(twice shared_db)" \
  "every value re-encrypted once"
run_capture "$KSMIGRATE" verify "${D[@]}" --json
expect_rc 0 "verify after the kill between the journals"
assert_eq "$URL 0 3" "$(where IDN_SECRET <(echo "$OUT"))" "verify: apim_db under the new key"
assert_eq "$SHARED_URL 0 2" "$(where REG_PROPERTY <(echo "$OUT"))" "verify: shared_db's REG_PROPERTY under the new key"
assert_eq "$SHARED_URL 0 1" "$(where UM_USER_ATTRIBUTE <(echo "$OUT"))" "verify: shared_db's UM_USER_ATTRIBUTE under the new key"
run_capture "$KSMIGRATE" rollback "${D[@]}"
expect_rc 0 "rollback after the kill between the journals"
rm -f ksmigrate-backup-*
untouched "rollback after the kill between the journals" conf.orig

# --- A REG_ table present only in apim_db is missing from shared_db, where WSO2 keeps it.
printf '[[target]]\ntable = "IDN_SECRET"\ncolumn = "SECRET_VALUE"\n[[target]]\ntable = "REG_LEFTOVER"\ncolumn = "REG_VALUE"\n' > leftover.toml
run_capture "$KSMIGRATE" plan --home "$H" --targets leftover.toml --json leftover.json
expect_rc 1 "plan: a REG_ table only in apim_db"
assert_eq "null not_scanned table REG_LEFTOVER does not exist in shared_db ($SHARED_URL)" "$(problem REG_LEFTOVER REG_VALUE leftover.json)" \
  "reported as missing from shared_db"
run_capture "$KSMIGRATE" run --home "$H" --targets leftover.toml
expect_error 3 "REG_LEFTOVER" "run: a REG_ table only in apim_db"
assert_contains "$ERR" "does not exist in shared_db" "run says where it looked"
untouched "REG_ table only in apim_db" conf.orig
done_testing
