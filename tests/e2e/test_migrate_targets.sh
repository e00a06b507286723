#!/usr/bin/env bash
# ksmigrate and targets that cannot be read safely: a `key` that is not unique or
# holds NULL (keyset paging would skip rows), a `where` naming a column this database
# lacks (WSO2.md: IS_SECRET only in some versions). plan lists them (exit 1, full
# report), run refuses before writing (exit 3). The plan JSON keeps the CLI.md shape
# without deployment.toml and for a target in no database. SIGINT stops plan and
# verify between batches (exit 130, nothing written).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
configure_internal_keystore
NO_LEAK=(internalpw admin-pw db-pw 'dup-' 'nk-' 'idp-' 'sec-')

# Values under the source key, made by the Java peer in one JVM: enc.out line i is plaintext i.
PLAINS=(dup-1 dup-2 dup-3 nk-1 nk-2 idp-1 sec-1)
for p in "${PLAINS[@]}"; do printf '%s self-contained %s\n' "$OAEP" "$(printf '%s' "$p" | base64 -w0)"; done > enc.in
java_peer encrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon < enc.in > enc.out || fail "Java encrypt"
v() { q "$(sed -n "${1}p" enc.out)"; }
sql "CREATE TABLE DUP (K INTEGER, V VARCHAR(2048));
     INSERT INTO DUP VALUES (1, $(v 1)), (1, $(v 2)), (2, $(v 3));
     CREATE TABLE NK (K VARCHAR(20) PRIMARY KEY, V VARCHAR(2048));
     INSERT INTO NK VALUES ('a', $(v 4)), (NULL, $(v 5));
     CREATE TABLE IDP_AUTHENTICATOR_PROPERTY (ID INTEGER PRIMARY KEY, TENANT_ID INTEGER, PROPERTY_KEY VARCHAR(255), PROPERTY_VALUE VARCHAR(2047));
     INSERT INTO IDP_AUTHENTICATOR_PROPERTY VALUES (1, -1234, 'ClientSecret', $(v 6));
     CREATE TABLE IDN_SECRET (ID VARCHAR(255) PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000));
     INSERT INTO IDN_SECRET VALUES ('s1', 'name', $(v 7));"
cp "$DB" db.orig; cp "$CONF" conf.orig
untouched() {  # WHAT: database and deployment.toml as at the start, no journal, no backup
  assert_eq "$(sqlite3 db.orig .dump)" "$(sqlite3 "$DB" .dump)" "$1: database unchanged"
  cmp -s "$CONF" conf.orig || fail "$1: deployment.toml changed"; ok
  [[ -z $(ls "$DB".ksmigrate-*.bak "$CONF.ksmigrate.bak" 2>/dev/null) ]] || fail "$1: a backup was made"; ok
}
target() {  # TABLE COLUMN TOML: a [[target]] entry; extra lines from stdin
  printf '[[target]]\ntable = "%s"\ncolumn = "%s"\n' "$1" "$2"; cat
}
secret_target() { target IDN_SECRET SECRET_VALUE <<<'key = ["ID"]'; }
st() { jq -c --arg t "$1" '.targets[] | select(.table==$t) | [.rows, .states.source, (.missing // [] | join("; "))]' "$2"; }

# --- A key that is not unique: 1, 1, 2 read one row per batch would skip the second 1.
{ target DUP V <<<'key = ["K"]'; secret_target; } > dup.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets dup.toml --batch-size 1 --json dup.json
expect_rc 1 "plan with a non-unique key"
assert_contains "$(st DUP dup.json)" "key (K) is not unique" "the target lists the non-unique key"
assert_contains "$(jq -r '.problems[]' dup.json)" "$DB: DUP.V: key (K) is not unique" "problems name target and database"
assert_eq "$DB DUP V not_scanned" "$(jq -r '.problem_details[] | select(.table=="DUP") | "\(.database) \(.table) \(.column) \(.state)"' dup.json)" "structured problem"
assert_eq '[1,1,""]' "$(st IDN_SECRET dup.json)" "the other targets are still surveyed"
assert_contains "$OUT" "DUP.V  NOT SCANNED: key (K) is not unique" "the table says it was not scanned"
assert_contains "$(jq -r '.advice[]' dup.json)" "run refuses until" "advice: fix the targets before run"
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --targets dup.toml --batch-size 1
expect_error 3 "not unique" "run with a non-unique key"
assert_contains "$ERR" "DUP.V" "run names the target"
untouched "non-unique key"
# What the advice says works: without `key` the rows are read by rowid, all three.
{ target DUP V </dev/null; secret_target; } > dup_rowid.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets dup_rowid.toml --batch-size 1 --no-config --json rowid.json
expect_rc 0 "plan by rowid"
assert_eq '[3,3,""]' "$(st DUP rowid.json)" "every row of the non-unique key, by rowid"

# --- NULL in a key column: NULL never compares greater, the row would be skipped.
{ target NK V <<<'key = ["K"]'; secret_target; } > nk.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets nk.toml --batch-size 1 --json nk.json
expect_rc 1 "plan with a NULL key"
assert_contains "$(st NK nk.json)" "key (K) is NULL in some rows" "the target lists the NULL key"
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --targets nk.toml
expect_error 3 "is NULL" "run with a NULL key"
untouched "NULL key"
{ target NK V <<<$'key = ["K"]\nwhere = "K IS NOT NULL"'; } > nk_where.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets nk_where.toml --no-config --json nkw.json
expect_rc 0 "a where leaving out the NULL-key row"
assert_eq '[1,1,""]' "$(st NK nkw.json)" "the other row is read"

# --- A where naming a column this database lacks: listed, the rest still surveyed.
{ target IDP_AUTHENTICATOR_PROPERTY PROPERTY_VALUE <<<$'key = ["ID"]\nwhere = "IS_SECRET = \'1\'"'; secret_target; } > idp.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets idp.toml --json idp.json --markdown idp.md
expect_rc 1 "plan with a where naming a missing column"
assert_contains "$(st IDP_AUTHENTICATOR_PROPERTY idp.json)" "where: no such column: IS_SECRET" "the target lists the where"
assert_eq '[1,1,""]' "$(st IDN_SECRET idp.json)" "the other target is surveyed"
assert_eq 2 "$(jq .config_secrets.states.source idp.json)" "deployment.toml is surveyed too"
assert_contains "$(cat idp.md)" "no such column: IS_SECRET" "the markdown report lists it"
# The built-in profile has exactly this entry.
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --json profile.json
expect_rc 1 "the profile on a database without IS_SECRET"
assert_contains "$(jq -r '.problems[]' profile.json)" "$DB: IDP_AUTHENTICATOR_PROPERTY.PROPERTY_VALUE: where: no such column: IS_SECRET" "profile: the where is listed"
assert_eq '[1,1,""]' "$(st IDN_SECRET profile.json)" "profile: IDN_SECRET surveyed"
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --targets idp.toml
expect_error 3 "IS_SECRET" "run with a where naming a missing column"
untouched "where naming a missing column"

# --- JSON shape (CLI.md): config_secrets always has file and states; no database is null.
ZERO='{"empty":0,"source":0,"target":0,"foreign":0,"undecryptable":0,"not_encrypted":0,"symmetric":0}'
sqlite3 other.db "CREATE TABLE UNRELATED (X INTEGER)"
{ secret_target; target NO_SUCH_TABLE X </dev/null; } > shape.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --db other.db --targets shape.toml --no-config --json shape.json
expect_rc 1 "plan with a table in no database"
assert_eq null "$(jq '.targets[] | select(.table=="NO_SUCH_TABLE") | .database' shape.json)" "no database: null"
assert_eq "\"$DB\"" "$(jq '.targets[] | select(.table=="IDN_SECRET") | .database' shape.json)" "found: the database"
assert_eq "$ZERO" "$(jq -c '.targets[] | select(.table=="NO_SUCH_TABLE") | .states' shape.json)" "a missing target has zero states"
assert_eq "null $ZERO" "$(jq -c '.config_secrets.file, .config_secrets.states' shape.json | paste -sd' ')" "--no-config: file null, zero states"
assert_contains "$(jq -r .config_secrets.note shape.json)" "--no-config" "--no-config: the note says why"
# No deployment.toml at all (keys given explicitly).
mkdir -p bare
export SRC_PW=wso2carbon DST_PW=internalpw
run_capture "$KSMIGRATE" plan --home bare --db "$DB" --targets shape.toml --json bare.json \
  --from-keystore "$SEC/wso2carbon.jks" --from-alias wso2carbon --from-password-env SRC_PW \
  --to-keystore "$SEC/internal.p12" --to-alias internal --to-password-env DST_PW
expect_rc 1 "plan without deployment.toml"
assert_eq "null $ZERO" "$(jq -c '.config_secrets.file, .config_secrets.states' bare.json | paste -sd' ')" "no deployment.toml: file null, zero states"
assert_contains "$(jq -r .config_secrets.note bare.json)" "no deployment.toml" "no deployment.toml: the note says why"
assert_eq '[1,1,""]' "$(st IDN_SECRET bare.json)" "no deployment.toml: the database is surveyed"
# With deployment.toml: its path and counts.
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets shape.toml --json conf.json
assert_eq "\"$CONF\" 2" "$(jq -c '.config_secrets.file, .config_secrets.states.source' conf.json | paste -sd' ')" "config step: file and states"
untouched "plans"

# --- SIGINT stops plan and verify after the current batch: exit 130, one error line,
# no report file. A few thousand values, one RSA operation each on one thread, so the
# signal lands mid-scan. verify needs no RSA work for a self-contained value (its
# thumbprint says it all), so for verify they become plain OAEP values.
N=3000
make_token_table "$N"
interrupt() {  # CMD ARGS...: starts it, SIGINT after a second, sets RC/OUT/ERR
  "$KSMIGRATE" "$@" >int.out 2>int.err &
  local pid=$!
  sleep 1
  kill -INT "$pid" 2>/dev/null || true
  set +e; wait "$pid"; RC=$?; set -e
  ERR=$(cat int.err); OUT=$(cat int.out)
  [[ $RC == 0 || $RC == 1 ]] && fail "$1 finished before the signal: make the table bigger"
  return 0
}
ARGS=(--home "$H" --db "$DB" --targets t.toml --no-config --batch-size 20 --jobs 1)
interrupt plan "${ARGS[@]}" --json int.json
expect_error 130 "interrupted: plan stopped after" "plan: SIGINT"
assert_contains "$ERR" "nothing was written" "plan: says nothing was written"
[[ ! -e int.json ]] || fail "plan: a report was written after SIGINT"; ok
sed 's/ self-contained / plain /' jin.txt | java_peer encrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon > plain.out ||
  fail "Java encrypt (plain)"
{ echo "BEGIN;"
  paste -d' ' <(seq 1 "$N") plain.out | while read -r i v; do
    echo "UPDATE IDN_OAUTH2_ACCESS_TOKEN SET ACCESS_TOKEN = '$v' WHERE TOKEN_ID = 't$i';"; done
  echo "COMMIT;"; } | sqlite3 "$DB"
interrupt verify "${ARGS[@]}" --json
expect_error 130 "interrupted: verify stopped after" "verify: SIGINT"
assert_contains "$ERR" "nothing was written" "verify: says nothing was written"
assert_eq "" "$OUT" "verify: no partial report"
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'KSMIGRATE%'")" "no journal after interrupted plan/verify"
done_testing
