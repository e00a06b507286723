#!/usr/bin/env bash
# ksmigrate on a WSO2-shaped SQLite database with every target of the wso2-apim-4
# profile: exact plan counts, plan changes nothing, run/verify/status/rollback/finalize,
# Java reads every migrated value under the new key, nothing else changes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
make_migration_db

# No separate internal keystore yet: the target would be the source -> refused.
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB"
expect_rc 4 "plan without [keystore.internal]"
assert_contains "$ERR" "keystore.internal" "says what is missing"
configure_internal_keystore

cp "$DB" db.before
ls -la "$(dirname "$DB")" > folder.before
fp_before=$(db_fingerprint); vals_before=$(db_values); cp "$CONF" conf.before; km_before=$(km_masked)
schema_before=$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")

# --- plan: exact counts; the database and its folder stay byte-for-byte the same.
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --json plan.json --markdown plan.md --jobs 2
expect_rc 1 "plan finds the undecryptable and foreign values"
cmp -s "$DB" db.before || fail "plan changed the database"; ok
assert_eq "$(cat folder.before)" "$(ls -la "$(dirname "$DB")")" "plan left the database folder as it was"
st() { jq -c --arg t "$1" --arg c "$2" '.targets[] | select(.table==$t and .column==$c) | [.rows, .states.empty, .states.source, .states.target, .states.foreign, .states.undecryptable, .states.not_encrypted, .states.symmetric]' plan.json; }
assert_eq "[13,2,6,1,1,1,1,1]" "$(st IDN_OAUTH_CONSUMER_APPS CONSUMER_SECRET)" "CONSUMER_SECRET states"
assert_eq "[3,0,3,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN ACCESS_TOKEN)" "ACCESS_TOKEN"
assert_eq "[3,1,2,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN REFRESH_TOKEN)" "REFRESH_TOKEN"
assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN_AUDIT ACCESS_TOKEN)" "audit table (no primary key)"
assert_eq "[2,2,0,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN_AUDIT REFRESH_TOKEN)" "audit refresh tokens"
assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_OAUTH2_AUTHORIZATION_CODE AUTHORIZATION_CODE)" "authorization codes"
assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_IDENTITY_USER_DATA DATA_VALUE)" "TOTP secrets only (filter)"
assert_eq "[1,0,1,0,0,0,0,0]" "$(st WF_BPS_PROFILE PASSWORD)" "BPS profile"
assert_eq "[1,0,1,0,0,0,0,0]" "$(st IDN_SECRET SECRET_VALUE)" "IDN_SECRET"
assert_eq "[1,0,1,0,0,0,0,0]" "$(st IDP_AUTHENTICATOR_PROPERTY PROPERTY_VALUE)" "IS_SECRET rows only"
assert_eq "[1,0,1,0,0,0,0,0]" "$(st REG_PROPERTY REG_VALUE)" "registry passwords only"
assert_eq "[3,0,6,0,0,0,0,0]" "$(st AM_KEY_MANAGER CONFIGURATION)" "embedded values (product form and older form) count values, rows count rows"
assert_eq 2 "$(jq .config_secrets.states.source plan.json)" "config secrets under the source key"
assert_eq "$(keytool_sha1 "$SEC/wso2carbon.jks" wso2carbon wso2carbon)" "$(jq -r .source.thumbprint_sha1 plan.json)" "source thumbprint"
assert_eq "$(keytool_sha1 "$SEC/internal.p12" internalpw internal)" "$(jq -r .target.thumbprint_sha1 plan.json)" "target thumbprint"
assert_eq true "$(jq .target.data_encipherment plan.json)" "target data encipherment"
assert_eq true "$(jq '.estimated_seconds >= 0 and (.problems | length) >= 2' plan.json)" "estimate and problems"
assert_contains "$(cat plan.md)" "IDN_OAUTH2_ACCESS_TOKEN_AUDIT" "markdown report lists the audit table"
for secret in internalpw admin-pw db-pw cs-1 km-secret; do
  assert_not_contains "$OUT$ERR$(cat plan.json plan.md)" "$secret" "no secret ($secret) in plan output"
done

# --quick: self-contained values by thumbprint only (the damaged one looks like source).
run_capture "${TRACED[@]}" "$KSMIGRATE" plan --home "$H" --db "$DB" --json quick.json --quick
expect_rc 1 "quick plan (foreign value)"
# deployment.toml is read once per plan: the loaded text carries its [secrets] to the
# config step (it holds keystore passwords: each copy is one more to wipe).
[[ -n "$TRACED_SKIP" ]] || assert_eq 1 "$(opens_of "$CONF")" "plan reads deployment.toml once"
assert_eq "[13,2,7,1,1,0,1,1]" "$(jq -c '.targets[] | select(.table=="IDN_OAUTH_CONSUMER_APPS") | [.rows, .states.empty, .states.source, .states.target, .states.foreign, .states.undecryptable, .states.not_encrypted, .states.symmetric]' quick.json)" "quick counts"
cmp -s "$DB" db.before || fail "quick plan changed the database"; ok

# --- run stops at the damaged value (exit 4) without committing its batch.
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --no-backup
expect_rc 4 "run stops at an undecryptable value"
assert_contains "$ERR" "IDN_OAUTH_CONSUMER_APPS" "names the table"
assert_contains "$ERR" "12" "names the row"
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM KSMIGRATE_JOURNAL")" "nothing journaled from the stopped batch"
assert_eq "$(sqlite3 db.before "SELECT group_concat(hex(CONSUMER_SECRET)) FROM IDN_OAUTH_CONSUMER_APPS")" \
  "$(sqlite3 "$DB" "SELECT group_concat(hex(CONSUMER_SECRET)) FROM IDN_OAUTH_CONSUMER_APPS")" "stopped batch not committed"

run_capture "${TRACED[@]}" "$KSMIGRATE" run --home "$H" --db "$DB" --skip-undecryptable --batch-size 3
expect_rc 1 "run with --skip-undecryptable lists what it left"
# At the start; again after the databases, just before rewriting it (an edit made during
# a long run is kept, not overwritten by the text read at the start); and by the atomic
# writer, which copies the file it replaces to the backup byte for byte.
[[ -n "$TRACED_SKIP" ]] || assert_eq 3 "$(opens_of "$CONF")" "run reads deployment.toml three times"
assert_contains "$OUT" "undecryptable" "lists the skipped value"
check_expectations "$SEC/internal.p12" PKCS12 internalpw internal
check_key_manager "$SEC/internal.p12" PKCS12 internalpw internal
assert_eq "$km_before" "$(km_masked)" "key manager document: every byte outside the secrets unchanged"
assert_eq "$fp_before" "$(db_fingerprint)" "every other byte and the schema unchanged"
assert_eq "blob" "$(sqlite3 "$DB" "SELECT typeof(CONFIGURATION) FROM AM_KEY_MANAGER WHERE UUID='km1'")" "BLOB stays BLOB"
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT target, row_key FROM KSMIGRATE_JOURNAL GROUP BY 1, 2 HAVING count(*) > 1)")" "no value encrypted twice"
# Self-contained values stay self-contained with the new thumbprint and the same transformation.
v=$(sqlite3 "$DB" "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=1" | base64 -d)
assert_eq "$OAEP $(keytool_sha1 "$SEC/internal.p12" internalpw internal)" "$(jq -j '.t, " ", .tp' <<<"$v")" "format and transformation kept"
assert_eq 344 "$(sqlite3 "$DB" "SELECT length(PASSWORD) FROM WF_BPS_PROFILE")" "plain stays plain"
# Config secrets: under the new key, Java reads them, a backup was kept.
sed -nE 's/^(admin_password|db_password) = "([^"]*)".*/RSA \2/p' "$CONF" > cfg.txt
assert_eq "$(printf 'admin-pw' | base64 -w0) $(printf 'db-pw' | base64 -w0)" \
  "$(java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < cfg.txt | tr '\n' ' ' | sed 's/ $//')" "config secrets migrated"
cmp -s conf.before "$CONF.ksmigrate.bak" || fail "config backup is not the original"; ok

run_capture "${TRACED[@]}" "$KSMIGRATE" verify --home "$H" --db "$DB"
expect_rc 1 "verify: the damaged and the foreign value are not readable"
[[ -n "$TRACED_SKIP" ]] || assert_eq 1 "$(opens_of "$CONF")" "verify reads deployment.toml once"
run_capture "$KSMIGRATE" status --home "$H" --db "$DB" --json
expect_rc 0 "status"
assert_eq true "$(jq '.databases[0].finished' <<<"$OUT")" "status: finished"
assert_eq 6 "$(jq '.databases[0].targets[] | select(.target=="IDN_OAUTH_CONSUMER_APPS.CONSUMER_SECRET") | .values' <<<"$OUT")" "status counts values"
assert_eq 6 "$(jq '.databases[0].targets[] | select(.target=="AM_KEY_MANAGER.CONFIGURATION") | .values' <<<"$OUT")" "status counts embedded values"

# A second run finds nothing to do.
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --skip-undecryptable
assert_contains "$OUT" "0 value(s) re-encrypted for" "second run changes nothing"

# --- rollback: exact old bytes and storage classes, previous deployment.toml, schema as before.
run_capture "$KSMIGRATE" rollback --home "$H" --db "$DB"
expect_rc 0 "rollback"
assert_eq "$vals_before" "$(db_values)" "rollback restores the exact old values"
cmp -s conf.before "$CONF" || fail "rollback did not restore deployment.toml"; ok
assert_eq "$schema_before" "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")" "rollback leaves no journal"

# --- run again, then finalize: the schema is exactly as before.
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --skip-undecryptable
expect_rc 1 "run after rollback"
backup=$(ls "$DB".ksmigrate-*.bak | head -n1)
assert_eq "$(sqlite3 db.before 'SELECT count(*), group_concat(hex(CONSUMER_SECRET)) FROM IDN_OAUTH_CONSUMER_APPS')" \
  "$(sqlite3 "$backup" 'SELECT count(*), group_concat(hex(CONSUMER_SECRET)) FROM IDN_OAUTH_CONSUMER_APPS')" "backup holds the old values"
run_capture "$KSMIGRATE" finalize --home "$H" --db "$DB"
expect_rc 0 "finalize"
assert_eq "$schema_before" "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")" "finalize leaves the original schema"
[[ ! -e "$CONF.ksmigrate.bak" ]] || fail "finalize left the config backup"; ok
check_expectations "$SEC/internal.p12" PKCS12 internalpw internal
check_key_manager "$SEC/internal.p12" PKCS12 internalpw internal

# --- refusals and bad input.
make_key "$WORK/node.p12" node nodepw PKCS12 "${NO_DE_CRIT[@]}"
echo -n nodepw > nodepw.txt
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --to-keystore "$WORK/node.p12" --to-alias node --to-password-file nodepw.txt
expect_rc 4 "target key without Data Encipherment"
assert_contains "$ERR" "Data Encipherment" "names Data Encipherment"
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --to-keystore "$SEC/wso2carbon.jks" --to-alias wso2carbon --to-password-file <(echo -n wso2carbon)
expect_rc 4 "target equals source"
printf '[[target]]\ntable = "NO_SUCH_TABLE"\ncolumn = "X"\n[[target]]\ntable = "IDN_SECRET"\ncolumn = "NO_COLUMN"\nkey = ["ID"]\n' > missing.toml
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --targets missing.toml --json missing.json
expect_rc 1 "missing table and column"
assert_contains "$(jq -r '.problems[]' missing.json)" "NO_SUCH_TABLE" "missing table listed"
assert_contains "$(jq -r '.problems[]' missing.json)" "NO_COLUMN" "missing column listed"
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --targets missing.toml
expect_rc 3 "run refuses missing targets before writing"
run_capture "$KSMIGRATE" plan --home "$H" --db "$WORK/nosuch.db"
expect_rc 3 "missing database"
[[ ! -e "$WORK/nosuch.db" ]] || fail "a missing database was created"; ok
echo "garbage" > garbage.db
run_capture "$KSMIGRATE" plan --home "$H" --db garbage.db
expect_rc 3 "not a database"
done_testing
