# The migration matrix on a database server, sourced by test_migrate_postgres.sh and
# test_migrate_mysql.sh with BACKEND set: a private server (db_servers.sh), an API-M
# database made the way WSO2's own scripts make it (unquoted upper-case names; BYTEA /
# BLOB for the key manager; latin1 on MariaDB, as WSO2's docs create it), the values
# the Java peer encrypted for the SQLite fixture. plan, run, verify, status, rollback,
# finalize, kill -9 and resume, a product write racing the run, bad connections; Java
# reads every migrated value under the new key.
source "$KSC_SRC/tests/e2e/server_backend.sh"

make_migration_home
configure_internal_keystore
make_migration_db
cat > wso2.sql <<SQL
CREATE TABLE IDN_OAUTH_CONSUMER_APPS (ID $SERIAL, CONSUMER_KEY VARCHAR(255), CONSUMER_SECRET VARCHAR(2048), APP_NAME VARCHAR(255), PRIMARY KEY (ID), UNIQUE (CONSUMER_KEY));
CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255), ACCESS_TOKEN VARCHAR(2048), REFRESH_TOKEN VARCHAR(2048), TOKEN_STATE VARCHAR(25) DEFAULT 'ACTIVE', PRIMARY KEY (TOKEN_ID));
CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN_AUDIT (ID $SERIAL, TOKEN_ID VARCHAR(255), ACCESS_TOKEN VARCHAR(2048), REFRESH_TOKEN VARCHAR(2048), INVALIDATED_TIME TIMESTAMP, PRIMARY KEY (ID));
CREATE TABLE IDN_OAUTH2_AUTHORIZATION_CODE (CODE_ID VARCHAR(255), AUTHORIZATION_CODE VARCHAR(2048), CONSUMER_KEY_ID INTEGER, PRIMARY KEY (CODE_ID));
CREATE TABLE IDN_IDENTITY_USER_DATA (TENANT_ID INTEGER DEFAULT -1234, USER_NAME VARCHAR(255) NOT NULL, DATA_KEY VARCHAR(255) NOT NULL, DATA_VALUE VARCHAR(2048), PRIMARY KEY (TENANT_ID, USER_NAME, DATA_KEY));
CREATE TABLE WF_BPS_PROFILE (PROFILE_NAME VARCHAR(45), HOST_URL_MANAGER VARCHAR(255), USERNAME VARCHAR(45), PASSWORD VARCHAR(1023), TENANT_ID INTEGER DEFAULT -1, PRIMARY KEY (PROFILE_NAME, TENANT_ID));
CREATE TABLE IDN_SECRET (ID VARCHAR(255) NOT NULL, SECRET_NAME VARCHAR(1023) NOT NULL, SECRET_VALUE VARCHAR(8000) NOT NULL, PRIMARY KEY (ID));
CREATE TABLE IDP_AUTHENTICATOR_PROPERTY (ID $SERIAL, TENANT_ID INTEGER, PROPERTY_KEY VARCHAR(255) NOT NULL, PROPERTY_VALUE VARCHAR(2047), IS_SECRET CHAR(1) DEFAULT '0', PRIMARY KEY (ID));
CREATE TABLE REG_PROPERTY (REG_ID INTEGER, REG_NAME VARCHAR(100) NOT NULL, REG_VALUE VARCHAR(1000), REG_TENANT_ID INTEGER DEFAULT 0, PRIMARY KEY (REG_ID, REG_TENANT_ID));
CREATE TABLE AM_KEY_MANAGER (UUID VARCHAR(50) NOT NULL, NAME VARCHAR(100), CONFIGURATION $BYTES, TENANT_DOMAIN VARCHAR(100), PRIMARY KEY (UUID));
SQL
load_sql wso2.sql || fail "create the WSO2 tables"
# Every row of the SQLite fixture, the same bytes (BLOBs as BYTEA).
python3 - "$DB" "$BACKEND" > rows.sql <<'PY' || fail "export the fixture rows"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def lit(v):
    if v is None: return "NULL"
    if isinstance(v, int): return str(v)
    if isinstance(v, bytes): return ("'\\x" + v.hex() + "'::bytea") if sys.argv[2] == "postgres" else ("X'" + v.hex() + "'")
    return "'" + str(v).replace("'", "''") + "'"
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'KSMIGRATE%'"):
    cur = db.execute(f'SELECT * FROM "{t}"')
    cols = ", ".join(d[0] for d in cur.description)
    for row in cur:
        print(f"INSERT INTO {t} ({cols}) VALUES ({', '.join(lit(v) for v in row)});")
PY
load_sql rows.sql || fail "load the fixture rows"
# A key that is not ASCII (latin1 bytes on MariaDB, UTF-8 on PostgreSQL) still finds its row.
nonascii=$([[ $BACKEND == mysql ]] && echo "X'746FE9'" || echo "'toé'")
sqlq "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, ACCESS_TOKEN, TOKEN_STATE) VALUES ($nonascii, '$(enc_source s at-nonascii)', 'ACTIVE')"
expect "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID=$nonascii" s at-nonascii
# What must not change: every table with the migrated columns left out, and the schema.
fingerprint() {
  sqlq "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE $IN_SCHEMA AND table_name NOT LIKE 'KSMIGRATE%' ORDER BY 1, 2"
  sqlq "SELECT ID, CONSUMER_KEY, APP_NAME FROM IDN_OAUTH_CONSUMER_APPS ORDER BY ID"
  sqlq "SELECT TOKEN_ID, TOKEN_STATE FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY 1"
  sqlq "SELECT UUID, NAME, TENANT_DOMAIN FROM AM_KEY_MANAGER ORDER BY 1"
}
db_values() { sqlq "SELECT md5($(joined "coalesce(CONSUMER_SECRET, '-')" ID)) FROM IDN_OAUTH_CONSUMER_APPS"
              sqlq "SELECT md5($(joined "$(hex_of CONFIGURATION)" UUID)) FROM AM_KEY_MANAGER"; }
fp_before=$(fingerprint); vals_before=$(db_values)
M=(--home "$H" --db "$URL" --db-password-file dbpw.txt)

# --- bad input: each one line, the documented code, never the password.
run_capture "$KSMIGRATE" plan --home "$H" --db "$SCHEME://apimadmin:apim-db-pw@127.0.0.1:$PORT/apim_db"
expect_rc 2 "a password in the URL is refused"
assert_not_contains "$OUT$ERR" "apim-db-pw" "the refused URL's password is not echoed"
printf 'wrong\n' > wrongpw.txt
run_capture "$KSMIGRATE" plan --home "$H" --db "$URL" --db-password-file wrongpw.txt
expect_rc 3 "wrong database password"
assert_contains "$ERR" "$URL: cannot connect" "names the database"
assert_contains "$ERR" "$([[ $BACKEND == postgres ]] && echo 'password authentication failed' || echo 'Access denied')" "says why"
run_capture "$KSMIGRATE" plan --home "$H" --db "$SCHEME://apimadmin@127.0.0.1:$PORT/no_such_db" --db-password-file dbpw.txt
expect_rc 3 "missing database"
assert_contains "$ERR" "no_such_db" "names the missing database"
run_capture "$KSMIGRATE" plan --home "$H" --db "$SCHEME://apimadmin@no-such-host.invalid:$PORT/apim_db" --db-password-file dbpw.txt
expect_rc 3 "unknown host"
assert_contains "$ERR" "no-such-host.invalid" "names the host"
FREE=$(free_port)
run_capture "$KSMIGRATE" plan --home "$H" --db "$SCHEME://apimadmin@127.0.0.1:$FREE/apim_db" --db-password-file dbpw.txt
expect_rc 3 "refused connection"
assert_eq 1 "$(printf '%s' "$ERR" | grep -c 'ksmigrate: error')" "one error line"

# A user who may read and update the tables but not create ksmigrate's journal: refused
# before anything is written anywhere (no journal, no backup, deployment.toml as it was).
if [[ $BACKEND == postgres ]]; then
  pg_super apim_db -c "CREATE ROLE clerk LOGIN PASSWORD '$DB_PASSWORD'" -c "GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO clerk" >/dev/null
else
  my_root -e "CREATE USER 'clerk'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD'; GRANT SELECT, UPDATE ON apim_db.* TO 'clerk'@'127.0.0.1';"
fi
cp "$CONF" conf.before_clerk
run_capture "$KSMIGRATE" run --home "$H" --db "$SCHEME://clerk@127.0.0.1:$PORT/apim_db" --db-password-file dbpw.txt --skip-undecryptable --backup clerk.jsonl
expect_rc 3 "no privilege to create the journal"
assert_contains "$ERR" "$SCHEME://clerk@127.0.0.1:$PORT/apim_db" "names the database"
assert_contains "$ERR" "$([[ $BACKEND == postgres ]] && echo 'may not create tables' || echo 'permission denied')" "says why"
assert_eq 1 "$(printf '%s' "$ERR" | grep -c 'ksmigrate: error')" "one error line"
[[ ! -e clerk.jsonl ]] || fail "a refused run left its backup"; ok
cmp -s "$CONF" conf.before_clerk || fail "a refused run changed deployment.toml"; ok
assert_eq "$fp_before$vals_before" "$(fingerprint)$(db_values)" "a refused run changed nothing"

# --- plan: the same counts as on SQLite; it changes nothing.
run_capture "$KSMIGRATE" plan "${M[@]}" --json plan.json
expect_rc 1 "plan finds the undecryptable and foreign values"
st() { jq -c --arg t "$1" --arg c "$2" '.targets[] | select(.table==$t and .column==$c) | [.rows, .states.empty, .states.source, .states.target, .states.foreign, .states.undecryptable, .states.not_encrypted, .states.symmetric]' plan.json; }
assert_eq "[13,2,6,1,1,1,1,1]" "$(st IDN_OAUTH_CONSUMER_APPS CONSUMER_SECRET)" "CONSUMER_SECRET states"
assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN_AUDIT ACCESS_TOKEN)" "audit table (4.2+: ID key)"
assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_IDENTITY_USER_DATA DATA_VALUE)" "TOTP secrets only (filter)"
assert_eq "[3,0,6,0,0,0,0,0]" "$(st AM_KEY_MANAGER CONFIGURATION)" "embedded values in $BYTES"
assert_eq "$URL" "$(jq -r '.targets[0].database' plan.json)" "the report names the database by its URL"
assert_not_contains "$(cat plan.json)" "apim-db-pw" "no password in the report"
assert_eq "$fp_before$vals_before" "$(fingerprint)$(db_values)" "plan changed nothing"

# --- no --db: the databases deployment.toml declares, the password a $secret{} of [secrets].
sed -i "/^\[secrets\]/a apim_db_password = \"[$DB_PASSWORD]\"" "$CONF"
"$KSCIPHER" configure --home "$H" >/dev/null || fail "kscipher configure for the database password"
printf '\n[database.apim_db]\ntype = "%s"\nurl = "%s"\nusername = "apimadmin"\npassword = "$secret{apim_db_password}"\n' "$DB_TYPE" "$(jdbc_url apim_db)" >> "$CONF"
printf '\n[database.apim_db.pool_options]\nmaxActive = 100\n' >> "$CONF"
run_capture "$KSMIGRATE" plan --home "$H" --json declared.json
expect_rc 1 "plan on the database deployment.toml declares"
assert_contains "$ERR" "database apim_db from deployment.toml: $URL" "names the database it uses"
assert_eq "$(jq -c '[.targets[] | .states]' plan.json)" "$(jq -c '[.targets[] | .states]' declared.json)" "the same counts as with --db"
assert_not_contains "$OUT$ERR$(cat declared.json)" "$DB_PASSWORD" "the decrypted password is never shown"
printf '[database.apim_db]\ntype = "h2"\nurl = "jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"\n' > h2.toml
run_capture "$KSMIGRATE" status --config h2.toml
expect_rc 3 "an H2 database cannot be reached"
assert_contains "$ERR" "[database.apim_db] is an H2 database" "names the table and the type"

# --- run, killed after its first committed batch, then resumed; a product write races it.
run_capture env KSC_FAULT_AT=after-commit:1 "$KSC_BIN/ksmigrate_faulty" run "${M[@]}" --skip-undecryptable --batch-size 2 --backup rows.jsonl
expect_rc 137 "killed after the first batch"
assert_eq 2 "$(sqlq "SELECT count(*) FROM $J")" "the first batch is journaled"
assert_eq 600 "$(stat -c %a rows.jsonl)" "the row backup is private"
assert_eq "13" "$(jq -s '[.[] | select(.target == "IDN_OAUTH_CONSUMER_APPS.CONSUMER_SECRET")] | length' rows.jsonl)" "the backup holds every row of a target"
assert_not_contains "$(cat rows.jsonl)" "cs-1" "the backup holds ciphertexts, not plaintexts"
cs4_before=$(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=4")
run_capture "$KSMIGRATE" status "${M[@]}" --json
expect_rc 0 "status"
assert_eq "false false" "$(jq -j '.databases[0].finished, " ", .databases[0].running' <<<"$OUT")" "unfinished, and the killed run holds no lock"

# paused_run POINT:N ACTION: the test build stops itself at POINT (SIGSTOP), ACTION runs
# while it is stopped, then it goes on; RC, OUT and ERR as run_capture sets them.
paused_run() {
  "$KSC_BIN/ksmigrate_faulty" run "${M[@]}" --skip-undecryptable --batch-size 2 >"$WORK/.out" 2>"$WORK/.err" </dev/null &
  local pid=$! i
  for i in $(seq 1 600); do [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == T ]] && break; sleep 0.1; done
  [[ $(awk '{print $3}' "/proc/$pid/stat") == T ]] || fail "the run did not stop at $1"
  eval "$2"
  kill -CONT "$pid"
  RC=0; wait "$pid" || RC=$?
  OUT=$(cat "$WORK/.out"); ERR=$(cat "$WORK/.err")
}
# A product write racing the run: the resumed run stops after reading and classifying its
# 2nd batch (IDs 3, 4); the product stores a new secret for ID 3 meanwhile. It is kept.
new3=$(enc_source s cs-3)
KSC_FAULT_AT=batch-read:2:pause paused_run batch-read \
  "sqlq \"UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = '$new3' WHERE ID = 3\""
expect_rc 1 "the resumed run finishes, listing the row the product changed"
assert_contains "$ERR" "resuming: 2 value(s) already re-encrypted" "says it resumes"
assert_contains "$OUT" "ID=3: changed while it was being migrated" "names the row that changed"
assert_eq "$new3" "$(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=3")" "the product's write is not overwritten"
[[ $(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=4") != "$cs4_before" ]] || fail "the rest of the batch was not written"; ok

# The connection lost mid-run (the server restarted, or the connection killed): exit 3
# naming the database, that batch rolled back by the server; run again finishes.
if [[ $BACKEND == postgres ]]; then lose="restart_postgres"
else lose="my_root -e \"SELECT CONCAT('KILL ', ID) FROM information_schema.PROCESSLIST WHERE USER = 'apimadmin'\" | my_root"; fi
KSC_FAULT_AT=batch-read:1:pause paused_run batch-read "$lose"
expect_rc 3 "a lost connection"
assert_contains "$ERR" "$URL: the connection to the server was lost" "names the database"
assert_eq 1 "$(printf '%s' "$ERR" | grep -c 'ksmigrate: error')" "one error line"
run_capture "$KSMIGRATE" run "${M[@]}" --skip-undecryptable --batch-size 2
expect_rc 1 "run again finishes (listing what it left)"
assert_eq 0 "$(sqlq "SELECT count(*) FROM (SELECT target, row_key FROM $J GROUP BY 1, 2 HAVING count(*) > 1) x")" "no row rewritten twice"
[[ $(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=3") != "$new3" ]] || fail "the product's new secret was not picked up by the next run"; ok

# Java reads every migrated value under the new key; nothing else changed.
: > jin.txt; : > want.txt
while IFS='|' read -r sel t p; do
  [[ $sel == *json_extract* ]] && continue   # SQLite's JSON functions: the key manager is checked below
  [[ $t == - ]] && t=RSA
  echo "$t $(sqlq "$sel")" >> jin.txt
  printf '%s' "$p" | base64 -w0 >> want.txt; echo >> want.txt
done < "$WORK/expect.txt"
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < jin.txt > got.txt || fail "Java could not decrypt every migrated value"
cmp -s want.txt got.txt || fail "Java's plaintexts differ from the originals"; ok
sqlq "SELECT $(as_text CONFIGURATION) FROM AM_KEY_MANAGER WHERE UUID='km1'" > km1.now
km_peer read PKCS12 "$SEC/internal.p12" internalpw internal internalpw < km1.now > km1.got || fail "Java could not read the key manager secrets"
cmp -s "$WORK/km1.expected" km1.got || fail "the key manager document reads differently"; ok
assert_eq "$fp_before" "$(fingerprint)" "every other column and the schema unchanged"

run_capture "$KSMIGRATE" verify --home "$H"
expect_rc 1 "verify (deployment.toml's database; its password now under the new key): the skipped values are listed"
assert_not_contains "$OUT" "still under the source key" "no value left under the source key"

# --- a value the product rewrites after the run is not overwritten by rollback.
sqlq "UPDATE IDN_OAUTH_CONSUMER_APPS SET CONSUMER_SECRET = 'rotated-by-product' WHERE ID = 2"
run_capture "$KSMIGRATE" rollback "${M[@]}"
expect_rc 1 "rollback lists the row the product changed"
assert_contains "$OUT$ERR" "changed after the run" "the conflict is named"
assert_eq "rotated-by-product" "$(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=2")" "the product's write is kept"
assert_eq "$(sed -n 2p <<<"$vals_before")" "$(db_values | sed -n 2p)" "the key manager's BYTEA is back byte for byte"
assert_eq "$cs4_before" "$(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=4")" "old values are back"
assert_eq "$new3" "$(sqlq "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=3")" "the product's write is what the run replaced, so it is back"

# --- run again, finalize: the schema is exactly as before.
# The journal kept the conflict's entry, so this run resumes the same migration.
run_capture "$KSMIGRATE" run "${M[@]}" --skip-undecryptable --no-backup
expect_rc 1 "run again (listing what it left)"
run_capture "$KSMIGRATE" finalize "${M[@]}"
expect_rc 0 "finalize"
assert_eq "$fp_before" "$(fingerprint)" "finalize leaves the schema exactly as it was"
if [[ $BACKEND == postgres ]]; then left="SELECT count(*) FROM pg_class WHERE relname ILIKE 'ksmigrate%'"
else left="SELECT count(*) FROM information_schema.tables WHERE $IN_SCHEMA AND table_name LIKE 'KSMIGRATE%'"; fi
assert_eq 0 "$(sqlq "$left")" "no table, index or sequence left"

# --- a 4.0/4.1 audit table has no key at all: its rows are found by their values. Rows
# sharing a ciphertext change together; NULLs are left; a value that differs from a
# migrated one only in letter case (MySQL's collations compare case-insensitively) is
# another value and is left alone.
sqlq "CREATE TABLE AUDIT40 (TOKEN_ID VARCHAR(255), ACCESS_TOKEN VARCHAR(2048))"
a1=$(enc_source s audit-a); a2=$(enc_source p audit-b); lowered=$(tr 'A-Z' 'a-z' <<<"$a1")
sqlq "INSERT INTO AUDIT40 VALUES ('t1', '$a1'), ('t2', '$a1'), ('t3', '$a2'), ('t4', NULL), ('t5', '$lowered')"
audit() { sqlq "SELECT coalesce(ACCESS_TOKEN, 'NULL') FROM AUDIT40 WHERE TOKEN_ID = '$1'"; }
printf '[[target]]\ntable = "AUDIT40"\ncolumn = "ACCESS_TOKEN"\n' > keyless.toml
K=("${M[@]}" --targets keyless.toml --no-config)
run_capture "$KSMIGRATE" plan "${K[@]}" --json keyless.json
expect_rc 0 "plan of a table with no key"
assert_eq "[3,2,1]" "$(jq -c '.targets[0] | [.rows, .states.source, .states.not_encrypted]' keyless.json)" "distinct values, NULLs left out"
run_capture "$KSMIGRATE" run "${K[@]}" --no-backup --batch-size 1
expect_rc 0 "run on a table with no key"
[[ $(audit t1) == "$(audit t2)" && $(audit t1) != "$a1" ]] || fail "rows sharing a ciphertext did not change together"; ok
assert_eq "$lowered NULL" "$(audit t5) $(audit t4)" "the case-variant and the NULL are left alone"
printf '%s %s\n%s %s\n' "$OAEP" "$(audit t1)" RSA "$(audit t3)" > audit.txt
assert_eq "$(printf 'audit-a' | base64 -w0) $(printf 'audit-b' | base64 -w0)" \
  "$(java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < audit.txt | tr '\n' ' ' | sed 's/ $//')" "Java reads them under the new key"
run_capture "$KSMIGRATE" rollback "${K[@]}"
expect_rc 0 "rollback of a table with no key"
assert_eq "$a1 $a1 $a2 $lowered" "$(audit t1) $(audit t2) $(audit t3) $(audit t5)" "the old values are back in every row"
done_testing
