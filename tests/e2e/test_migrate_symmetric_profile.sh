#!/usr/bin/env bash
# The two AES stories of the README ("ksmigrate with AES keys") as an operator runs them:
# the product home (--home), the built-in profile (no --targets), on the full WSO2-shaped
# fixture (migrate_fixture.sh: every table of the profile, values written by the Java peer).
# 1. Upgrade: the data under the keystore moves to [encryption] key (--from internal --to
#    encryption-key): plan's counts per table, run, verify, rollback, run, finalize.
# 2. Rotation: old_key = that key, a new key; the run is killed mid-way and resumed;
#    verify, rollback, run, finalize.
# After each step Java reads every moved value the way WSO2 does (AesPeer), with only the
# new key; the values under no key of the change, every other byte, the schema and
# deployment.toml (its [secrets] stay with the keystore) are as they were. Key texts
# never appear in any output.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
KEY1=$(openssl rand -hex 32); KEY2=$(openssl rand -hex 32)
NO_LEAK=("$KEY1" "$KEY2")
ALL=""   # every output and report, checked for key texts at the end
capture() { run_capture "$@"; ALL+="$OUT$ERR"; }

make_migration_home   # wso2carbon.jks: primary, and internal too (none configured)
make_migration_db
printf '\n[encryption]\nkey = "%s"\n' "$KEY1" >> "$CONF"
cp "$CONF" conf.before
M=(--home "$H" --db "$DB")
SOURCE_VALUES=27   # expect.source.txt's 23 and km1's 4 secrets
[[ $(($(wc -l < expect.source.txt) + $(wc -l < km1.secrets))) == "$SOURCE_VALUES" ]] || fail "the fixture changed: count its values again"
journal_rows() { sqlite3 "$DB" "SELECT count(*) FROM KSMIGRATE_JOURNAL" 2>/dev/null || echo 0; }
no_journal() { [[ -z $(sqlite3 "$DB" "SELECT name FROM sqlite_master WHERE name LIKE 'KSMIGRATE%'") ]] || fail "a journal is left: $1"; ok; }
conf_untouched() { cmp -s "$CONF" conf.before || fail "deployment.toml changed: $1"; ok; }
storage_classes() { db_values | cut -d'|' -f1,2; }
# What must hold after any step of either story (besides the moved values).
unchanged() {  # what
  assert_eq "$fp_before" "$(db_fingerprint)" "$1: every other column and the schema unchanged"
  assert_eq "$left_before" "$(db_left_alone)" "$1: values under no key of the change left byte for byte"
  assert_eq "$km_before" "$(km_masked)" "$1: key manager document unchanged outside its secrets"
  assert_eq "$classes_before" "$(storage_classes)" "$1: storage classes kept (BLOB stays BLOB)"
  conf_untouched "$1"
}
fp_before=$(db_fingerprint); left_before=$(db_left_alone); km_before=$(km_masked); classes_before=$(storage_classes)
vals_rsa=$(db_values)
schema_before=$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")
cp "$DB" db.before

# verify --json's totals: source, undecryptable, target, foreign.
vstates() { printf '%s' "$OUT" | jq -r '[.targets[].states] | "\(map(.source) | add) \(map(.undecryptable) | add) \(map(.target) | add) \(map(.foreign) | add)"'; }
# plan --json, per target: rows, empty, source, target, foreign, undecryptable, not_encrypted, symmetric.
check_plan_counts() {  # plan.json what
  st() { jq -c --arg t "$1" --arg c "$2" '.targets[] | select(.table==$t and .column==$c) | [.rows, .states.empty, .states.source, .states.target, .states.foreign, .states.undecryptable, .states.not_encrypted, .states.symmetric]' "$PLAN"; }
  PLAN=$1
  # CONSUMER_SECRET (fixture rows 1-13): 6 under the keystore (5 self-contained, 1 plain),
  # NULL and '', plain text; foreign and undecryptable depend on the change ($3, $4).
  assert_eq "[13,2,6,0,$3,$4,1,0]" "$(st IDN_OAUTH_CONSUMER_APPS CONSUMER_SECRET)" "$2: CONSUMER_SECRET"
  assert_eq "[3,0,3,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN ACCESS_TOKEN)" "$2: ACCESS_TOKEN"
  assert_eq "[3,1,2,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN REFRESH_TOKEN)" "$2: REFRESH_TOKEN"
  assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN_AUDIT ACCESS_TOKEN)" "$2: audit table (no primary key)"
  assert_eq "[2,2,0,0,0,0,0,0]" "$(st IDN_OAUTH2_ACCESS_TOKEN_AUDIT REFRESH_TOKEN)" "$2: audit refresh tokens"
  assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_OAUTH2_AUTHORIZATION_CODE AUTHORIZATION_CODE)" "$2: authorization codes"
  assert_eq "[2,0,2,0,0,0,0,0]" "$(st IDN_IDENTITY_USER_DATA DATA_VALUE)" "$2: TOTP secrets only (filter)"
  assert_eq "[1,0,1,0,0,0,0,0]" "$(st WF_BPS_PROFILE PASSWORD)" "$2: BPS profile"
  assert_eq "[1,0,1,0,0,0,0,0]" "$(st IDN_SECRET SECRET_VALUE)" "$2: IDN_SECRET"
  assert_eq "[1,0,1,0,0,0,0,0]" "$(st IDP_AUTHENTICATOR_PROPERTY PROPERTY_VALUE)" "$2: IS_SECRET rows only"
  assert_eq "[1,0,1,0,0,0,0,0]" "$(st REG_PROPERTY REG_VALUE)" "$2: registry passwords only"
  assert_eq "[3,0,6,0,0,0,0,0]" "$(st AM_KEY_MANAGER CONFIGURATION)" "$2: embedded values (km1's 4, km3's 2)"
  assert_eq 12 "$(jq '.targets | length' "$PLAN")" "$2: every target of the profile"
  assert_eq "profile wso2-apim-4 $SOURCE_VALUES" "$(jq -r '"\(.targets_from) \(.totals.to_reencrypt)"' "$PLAN")" "$2: the built-in profile, every value to move"
  assert_eq 0 "$(jq '[.config_secrets.states[]] | add' "$PLAN")" "$2: no config secret is part of an AES change"
}

# --- 1. Upgrade: everything under the keystore moves to [encryption] key.
capture "$KSMIGRATE" plan "${M[@]}" --from internal --to encryption-key --json up.json --markdown up.md
expect_rc 1 "plan RSA -> AES lists the values it cannot move"
ALL+=$(cat up.json up.md)
cmp -s "$DB" db.before || fail "plan changed the database"; ok
# The value already under the RSA internal key of the RSA test (ID=10) and another
# certificate's (ID=11) are foreign here; the damaged RSA value (12) and the damaged AES
# one (13) undecryptable.
check_plan_counts up.json "plan RSA -> AES" 2 2
assert_eq "RSA $(keytool_sha1 "$SEC/wso2carbon.jks" wso2carbon wso2carbon) AES $(aes_key_id "$KEY1") 256" \
  "$(jq -r '"\(.source.kind) \(.source.thumbprint_sha1) \(.target.kind) \(.target.key_id) \(.target.key_bits)"' up.json)" "the plan names both keys"
assert_eq "ID=10 foreign,ID=11 foreign,ID=12 undecryptable,ID=13 undecryptable" \
  "$(jq -r '[.problem_details[] | "\(.row_key) \(.state)"] | join(",")' up.json)" "the problems are the fixture's four"
assert_contains "$(cat up.md)" "IDN_OAUTH2_ACCESS_TOKEN_AUDIT" "the markdown report lists the audit table"

# run stops at the damaged value before writing its batch; the operator then leaves it.
capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key
expect_rc 4 "run stops at an undecryptable value"
assert_contains "$ERR" "IDN_OAUTH_CONSUMER_APPS" "names the table"
assert_eq "$(sqlite3 db.before "SELECT group_concat(hex(CONSUMER_SECRET)) FROM IDN_OAUTH_CONSUMER_APPS")" \
  "$(sqlite3 "$DB" "SELECT group_concat(hex(CONSUMER_SECRET)) FROM IDN_OAUTH_CONSUMER_APPS")" "the stopped batch is not committed"
capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key --skip-undecryptable --batch-size 3
expect_rc 1 "run RSA -> AES lists the values it left"
assert_contains "$OUT" "$SOURCE_VALUES value(s) re-encrypted" "every value under the keystore moved"
assert_contains "$ERR" "config step skipped" "the [secrets] stay with the keystore, said"
check_expectations_aes "$KEY1"
unchanged "run RSA -> AES"
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT target, row_key FROM KSMIGRATE_JOURNAL GROUP BY 1, 2 HAVING count(*) > 1)")" "no row journaled twice"
capture "$KSMIGRATE" verify "${M[@]}" --from internal --to encryption-key --json
expect_rc 1 "verify RSA -> AES: the damaged and foreign values are not readable"
# verify does not decrypt a value that names the source key: the damaged one (12) counts
# as still under it, which is the failure verify reports.
assert_eq "1 1 $SOURCE_VALUES 2" "$(vstates)" "verify: everything under the AES key but the fixture's four"
capture "$KSMIGRATE" status "${M[@]}" --json
expect_rc 0 "status"
assert_eq "true $(keytool_sha1 "$SEC/wso2carbon.jks" wso2carbon wso2carbon) AES:$(aes_key_id "$KEY1")" \
  "$(printf '%s' "$OUT" | jq -r '.databases[0] | "\(.finished) \(.source_key) \(.target_key)"')" "status: finished, both key ids"
# Rollback puts back every byte; run again, then finalize.
capture "$KSMIGRATE" rollback "${M[@]}"
expect_rc 0 "rollback RSA -> AES"
assert_eq "$vals_rsa" "$(db_values)" "rollback restored every value byte for byte"
assert_eq "$schema_before" "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")" "rollback leaves no journal"
conf_untouched "rollback RSA -> AES"
capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key --skip-undecryptable
expect_rc 1 "run RSA -> AES again"
capture "$KSMIGRATE" finalize "${M[@]}"
expect_rc 0 "finalize RSA -> AES"
no_journal "finalize RSA -> AES"
assert_eq "$schema_before" "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")" "finalize leaves the original schema"
check_expectations_aes "$KEY1"
unchanged "finalize RSA -> AES"

# --- 2. Rotation: KEY1 becomes old_key, KEY2 the key; killed mid-run, resumed.
sed -i "s/^key = \"$KEY1\"/key = \"$KEY2\"\nold_key = \"$KEY1\"/" "$CONF"
assert_eq 2 "$(grep -c -e "^key = \"$KEY2\"" -e "^old_key = \"$KEY1\"" "$CONF")" "deployment.toml holds old_key and the new key"
cp "$CONF" conf.before
vals_key1=$(db_values)
capture "$KSMIGRATE" plan "${M[@]}" --from old-encryption-key --to encryption-key --json rot.json
expect_rc 1 "plan the rotation (the values it cannot move)"
ALL+=$(cat rot.json)
# No RSA key in this change: the damaged RSA value is foreign like the other two.
check_plan_counts rot.json "plan AES -> AES" 3 1
assert_eq "AES $(aes_key_id "$KEY1") AES $(aes_key_id "$KEY2")" \
  "$(jq -r '"\(.source.kind) \(.source.key_id) \(.target.kind) \(.target.key_id)"' rot.json)" "the plan names both AES keys"
ROT=(run "${M[@]}" --from old-encryption-key --to encryption-key --skip-undecryptable)
capture env KSC_FAULT_AT=batch-journaled:2 "$KSC_BIN/ksmigrate_faulty" "${ROT[@]}" --batch-size 2 --jobs 1
expect_rc 137 "killed in the rotation's 2nd batch"
sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "database damaged by the kill"; ok
killed_at=$(journal_rows)
[[ $killed_at -gt 0 && $killed_at -lt 23 ]] || fail "the kill did not land mid-run: $killed_at row(s) journaled"; ok
capture "$KSMIGRATE" status "${M[@]}" --json
assert_eq false "$(printf '%s' "$OUT" | jq -r '.databases[0].finished')" "status: the killed run is unfinished"
capture "$KSMIGRATE" "${ROT[@]}" --batch-size 2
expect_rc 1 "the rotation resumes and finishes (listing the values it left)"
assert_contains "$ERR" "resuming" "a resumed run says so"
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT target, row_key FROM KSMIGRATE_JOURNAL GROUP BY 1, 2 HAVING count(*) > 1)")" "no row journaled twice"
capture "$KSMIGRATE" verify "${M[@]}" --from old-encryption-key --to encryption-key --json
expect_rc 1 "verify the rotation: the foreign and damaged values are not readable"
assert_eq "0 1 $SOURCE_VALUES 3" "$(vstates)" "verify the rotation: nothing left under old_key"
check_expectations_aes "$KEY2"   # only the new key: nothing is left under old_key
unchanged "rotation"
capture "$KSMIGRATE" status "${M[@]}" --json
assert_eq "true AES:$(aes_key_id "$KEY1") AES:$(aes_key_id "$KEY2")" \
  "$(printf '%s' "$OUT" | jq -r '.databases[0] | "\(.finished) \(.source_key) \(.target_key)"')" "status: finished, both AES key ids"
capture "$KSMIGRATE" rollback "${M[@]}"
expect_rc 0 "rollback the rotation"
assert_eq "$vals_key1" "$(db_values)" "rollback of the resumed rotation restored every value byte for byte"
no_journal "rollback the rotation"
check_expectations_aes "$KEY1"
capture "$KSMIGRATE" "${ROT[@]}"
expect_rc 1 "the rotation again"
capture "$KSMIGRATE" finalize "${M[@]}"
expect_rc 0 "finalize the rotation"
no_journal "finalize the rotation"
assert_eq "$schema_before" "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master ORDER BY name")" "finalize leaves the original schema"
check_expectations_aes "$KEY2"
unchanged "finalize the rotation"
capture "$KSMIGRATE" verify "${M[@]}" --from old-encryption-key --to encryption-key --json
assert_eq "0 1 $SOURCE_VALUES 3" "$(vstates)" "verify after finalize: old_key can go"

for s in "${NO_LEAK[@]}"; do assert_not_contains "$ALL" "$s" "a key text in the output"; done
done_testing
