# The two symmetric-encryption stories on one database, sourced by test_migrate_symmetric*.sh
# with BACKEND set (sqlite, postgres, mysql): upgrade to AES (data under the shared RSA
# key -> [encryption] key, --from internal --to encryption-key), then an AES key rotation
# (old_key -> key, killed mid-run and resumed), then back to RSA (--from encryption-key
# --to internal). After each step Java reads every value the way WSO2 does (AesPeer for
# format 3, JceHelper for RSA) and the [secrets] of deployment.toml are untouched.
# On SQLite also the refusals (the public default key, a malformed key, old_key as the
# target, a key that is not deployment.toml's, options that contradict each other).
# Key texts never appear in any output.
source "$KSC_SRC/tests/e2e/migrate_fixture.sh"
cd "$WORK"
case $BACKEND in
  sqlite)
    DBA=(--db "$DB")
    dbq() { sqlite3 "$DB" "$1"; }
    BYTES=BLOB; as_text() { echo "CAST($1 AS TEXT)"; }; blob_hex() { echo "X'$1'"; }
    ;;
  postgres)
    source "$KSC_SRC/tests/e2e/db_servers.sh"; db_servers_trap
    start_postgres || fail "could not start a private PostgreSQL server"
    printf '%s\n' "$DB_PASSWORD" > dbpw.txt
    DBA=(--db "$PG_URL" --db-password-file dbpw.txt)
    dbq() { pg -c "$1"; }
    BYTES=BYTEA; as_text() { echo "convert_from($1, 'UTF8')"; }; blob_hex() { echo "decode('$1', 'hex')"; }
    ;;
  mysql)
    source "$KSC_SRC/tests/e2e/db_servers.sh"; db_servers_trap
    start_mariadb || fail "could not start a private MariaDB server"
    printf '%s\n' "$DB_PASSWORD" > dbpw.txt
    DBA=(--db "$MY_URL" --db-password-file dbpw.txt)
    dbq() { my -e "$1"; }
    BYTES=BLOB; as_text() { echo "CAST($1 AS CHAR)"; }; blob_hex() { echo "X'$1'"; }
    ;;
  *) fail "BACKEND must be sqlite, postgres or mysql" ;;
esac

K1=$(openssl rand -hex 32); K2=$(openssl rand -hex 32); KX=$(openssl rand -hex 32)
NO_LEAK=("$K1" "$K2" "$KX")
ALL=""   # every output, checked for key texts at the end
capture() { run_capture "$@"; ALL+="$OUT$ERR"; }

make_migration_home   # wso2carbon.jks (primary, also internal: none configured), [secrets] under it
printf '\n[encryption]\nkey = "%s"\n' "$K1" >> "$CONF"
cp "$CONF" conf.before

dbq "CREATE TABLE IDN_OAUTH_CONSUMER_APPS (ID INTEGER NOT NULL, CONSUMER_KEY VARCHAR(255), CONSUMER_SECRET VARCHAR(2048), PRIMARY KEY (ID))"
dbq "CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255) NOT NULL, ACCESS_TOKEN VARCHAR(2048), PRIMARY KEY (TOKEN_ID))"
dbq "CREATE TABLE AM_KEY_MANAGER (UUID VARCHAR(50) NOT NULL, NAME VARCHAR(100), CONFIGURATION $BYTES, PRIMARY KEY (UUID))"
cat > t.toml <<'TOML'
[[target]]
table = "IDN_OAUTH_CONSUMER_APPS"
column = "CONSUMER_SECRET"
key = ["ID"]

[[target]]
table = "IDN_OAUTH2_ACCESS_TOKEN"
column = "ACCESS_TOKEN"
key = ["TOKEN_ID"]

[[target]]
table = "AM_KEY_MANAGER"
column = "CONFIGURATION"
key = ["UUID"]
kind = "json-encrypted-values"
TOML
# What Java must read after each step: "<select>|<plaintext>".
: > sym_expect.txt
for i in 1 2 3; do
  dbq "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES ($i, 'k$i', $(q "$(enc_source s "cs-$i")"))"
  echo "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=$i|cs-$i" >> sym_expect.txt
done
dbq "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (4, 'k4', $(q "$(enc_source p cs-4)"))"   # plain PKCS#1 v1.5
dbq "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (5, 'k5', $(q "$(enc_source o cs-5)"))"   # plain OAEP
echo "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=4|cs-4" >> sym_expect.txt
echo "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=5|cs-5" >> sym_expect.txt
foreign_rsa=$(jenc "${FOREIGN[@]}" "$OAEP" self-contained cs-6)
foreign_aes=$(printf 'cs-7' | base64 -w0 | aes_peer encrypt-carbon "text:$KX" keyids) || fail "Java encrypt-carbon"
dbq "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (6, 'k6', $(q "$foreign_rsa")), (7, 'k7', $(q "$foreign_aes")), (8, 'k8', NULL)"
for i in 1 2 3 4 5 6; do
  dbq "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('t$i', $(q "$(enc_source s "at-$i")"))"
  echo "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID='t$i'|at-$i" >> sym_expect.txt
done
# The key manager as API-M writes it (json-simple wrapper strings holding raw JSON values).
printf 'client_id\tstring\tabc\nclient_secret\tsecret\tkm-secret\napi_key\tsecret\tkm-api-key\n' |
  km_peer build JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon "$OAEP" > km.json || fail "Java could not build the key manager document"
# As bytes (hex): the document's backslashes are escapes in MySQL's string literals.
dbq "INSERT INTO AM_KEY_MANAGER VALUES ('km1', 'Keycloak', $(blob_hex "$(printf '%s' "$(cat km.json)" | xxd -p | tr -d '\n')"))"
values() { dbq "SELECT ID, CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS ORDER BY ID"
           dbq "SELECT TOKEN_ID, ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY TOKEN_ID"
           dbq "SELECT UUID, $(as_text CONFIGURATION) FROM AM_KEY_MANAGER ORDER BY UUID"; }
values > values.rsa
km_secret() { dbq "SELECT $(as_text CONFIGURATION) FROM AM_KEY_MANAGER WHERE UUID='km1'" | jq -r ".$1 | fromjson | .value"; }

# Java (WSO2's AES provider: the key by keyId among KEYS) reads every value; each is
# format 3 with the keyId of the first key and a 128-byte IV. The key manager's secrets
# keep the product's form: raw AES JSON inside the wrapper string.
check_aes() {  # key [old_key]
  local sel p v inner keys=("text:$1"); [[ $# -gt 1 ]] && keys+=("text:$2")
  : > jin.txt; : > want.txt
  while IFS='|' read -r sel p; do
    v=$(dbq "$sel"); echo "$v" >> jin.txt
    printf '%s' "$p" | base64 -w0 >> want.txt; echo >> want.txt
    inner=$(printf '%s' "$v" | base64 -d | jq -r .c | base64 -d)
    assert_eq "$(aes_key_id "$1") 128" "$(jq -r .keyId <<< "$inner") $(jq -r .initializationVector <<< "$inner" | base64 -d | wc -c)" "keyId and IV of $sel"
  done < sym_expect.txt
  for f in client_secret api_key; do
    v=$(km_secret $f)
    [[ $v == '{"c":"'*'"t":"AES/GCM/NoPadding"'* ]] || fail "$f is not raw format-3 JSON: $v"
    printf '%s' "$v" | base64 -w0 >> jin.txt; echo >> jin.txt
  done
  printf '%s\n%s\n' "$(printf km-secret | base64 -w0)" "$(printf km-api-key | base64 -w0)" >> want.txt
  aes_peer decrypt-carbon "${keys[@]}" < jin.txt > got.txt || fail "Java could not decrypt every value with the AES key"
  cmp -s want.txt got.txt || fail "Java's plaintexts differ: $(diff want.txt got.txt)"
  assert_eq abc "$(dbq "SELECT $(as_text CONFIGURATION) FROM AM_KEY_MANAGER WHERE UUID='km1'" | jq -r .client_id)" "other properties kept"
}
states() { jq -c '[.totals.states.source, .totals.states.target, .totals.states.foreign, .totals.states.undecryptable, .totals.states.empty]' "$1"; }
# verify --json's totals over the targets: source, undecryptable, target, foreign.
vstates() { printf '%s' "$OUT" | jq -r '[.targets[].states] | "\(map(.source) | add) \(map(.undecryptable) | add) \(map(.target) | add) \(map(.foreign) | add)"'; }
secrets_untouched() { cmp -s "$CONF" conf.before || fail "deployment.toml changed: $1"; ok; }
M=(--home "$H" "${DBA[@]}" --targets t.toml)

# --- 1. Upgrade to symmetric: everything under the shared RSA key moves to [encryption] key.
capture "$KSMIGRATE" plan "${M[@]}" --from internal --to encryption-key --json up.json
expect_rc 1 "plan RSA -> AES (two foreign values are listed)"
# 5 consumer secrets + 6 tokens + 2 key manager secrets; foreign: another certificate's and another AES key's.
assert_eq "[13,0,2,0,1]" "$(states up.json)" "plan RSA -> AES states"
assert_eq "RSA AES $(aes_key_id "$K1") 256" "$(jq -r '"\(.source.kind) \(.target.kind) \(.target.key_id) \(.target.key_bits)"' up.json)" "the plan names both keys"
capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key --batch-size 4
expect_rc 0 "run RSA -> AES"
assert_contains "$OUT" "13 value(s) re-encrypted" "every source value moved"
assert_contains "$ERR" "config step skipped" "the [secrets] stay with the keystore, said"
secrets_untouched "RSA -> AES"
check_aes "$K1"
capture "$KSMIGRATE" status --home "$H" "${DBA[@]}" --targets t.toml --json
assert_eq "$(keytool_sha1 "$SEC/wso2carbon.jks" wso2carbon wso2carbon) AES:$(aes_key_id "$K1")" \
  "$(printf '%s' "$OUT" | jq -r '.databases[0] | "\(.source_key) \(.target_key)"')" "the journal records both key ids"
capture "$KSMIGRATE" verify "${M[@]}" --from internal --to encryption-key --json
assert_eq "0 0 13 2" "$(vstates)" "verify: all under the AES key but the foreign two"
# Rollback puts back every byte; the run again, then finalize.
capture "$KSMIGRATE" rollback --home "$H" "${DBA[@]}" --targets t.toml
expect_rc 0 "rollback RSA -> AES"
assert_eq "$(cat values.rsa)" "$(values)" "rollback restored every value byte for byte"
capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key
expect_rc 0 "run RSA -> AES again"
capture "$KSMIGRATE" finalize --home "$H" "${DBA[@]}" --targets t.toml
expect_rc 0 "finalize RSA -> AES"
check_aes "$K1"

# --- 2. Rotation: key K1 becomes old_key, K2 the new key; killed mid-run, resumed.
sed -i "s/^key = \"$K1\"/key = \"$K2\"\nold_key = \"$K1\"/" "$CONF"
cp "$CONF" conf.before
capture "$KSMIGRATE" plan "${M[@]}" --from old-encryption-key --to encryption-key --json rot.json
expect_rc 1 "plan the rotation (the foreign two)"
assert_eq "[13,0,2,0,1]" "$(states rot.json)" "plan rotation states"
capture env KSC_FAULT_AT=batch-journaled:2 "$KSC_BIN/ksmigrate_faulty" run "${M[@]}" --from old-encryption-key --to encryption-key --batch-size 2 --jobs 1
expect_rc 137 "killed in the rotation's 2nd batch"
capture "$KSMIGRATE" run "${M[@]}" --from old-encryption-key --to encryption-key --batch-size 2
expect_rc 0 "the rotation resumes and finishes"
assert_contains "$ERR" "resuming" "a resumed run says so"
check_aes "$K2"
# Java with only the new key reads everything: nothing is left under old_key.
capture "$KSMIGRATE" verify "${M[@]}" --from old-encryption-key --to encryption-key --json
assert_eq "0 0 13 2" "$(vstates)" "verify the rotation"
capture "$KSMIGRATE" finalize --home "$H" "${DBA[@]}" --targets t.toml
expect_rc 0 "finalize the rotation"
secrets_untouched "rotation"

# --- 3. Back to RSA: [encryption] key -> a new internal keystore.
configure_internal_keystore
cp "$CONF" conf.before
capture "$KSMIGRATE" run "${M[@]}" --from encryption-key --to internal
expect_rc 0 "run AES -> RSA"
assert_contains "$OUT" "13 value(s) re-encrypted" "every AES value moved"
secrets_untouched "AES -> RSA"
: > jin.txt; : > want.txt
while IFS='|' read -r sel p; do
  echo "$OAEP $(dbq "$sel")" >> jin.txt
  printf '%s' "$p" | base64 -w0 >> want.txt; echo >> want.txt
done < sym_expect.txt
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < jin.txt > got.txt || fail "Java could not decrypt the values moved back to RSA"
cmp -s want.txt got.txt || fail "Java's plaintexts differ after AES -> RSA"; ok
dbq "SELECT $(as_text CONFIGURATION) FROM AM_KEY_MANAGER WHERE UUID='km1'" > km.now
km_peer read PKCS12 "$SEC/internal.p12" internalpw internal internalpw < km.now > km.got || fail "Java could not read the key manager under RSA"
assert_contains "$(cat km.got)" "client_secret=km-secret" "the key manager secret reads under RSA"
capture "$KSMIGRATE" finalize --home "$H" "${DBA[@]}" --targets t.toml
expect_rc 0 "finalize AES -> RSA"

if [[ $BACKEND == sqlite ]]; then
  # --- Refusals: each before anything is written.
  values > values.now
  set_key() { sed -i "/^key = /d; /^old_key = /d" "$CONF"; sed -i "/^\[encryption\]/a key = \"$1\"" "$CONF"; }
  set_key 03BAFEB27A8E871CAD83C5CD4E771DAB
  capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key
  expect_rc 4 "the public default key as the target"
  assert_contains "$ERR" "published in WSO2's documentation" "says why"
  assert_contains "$ERR" "--allow-default-key" "names the way to insist"
  capture "$KSMIGRATE" plan "${M[@]}" --from internal --to encryption-key --json refused.json
  expect_rc 4 "plan refuses the public default key too"
  assert_eq "NO-GO refused" "$(jq -r '"\(.verdict) \(.problem_details[0].state)"' refused.json)" "and still writes its report"
  capture "$KSMIGRATE" plan "${M[@]}" --from internal --to encryption-key --allow-default-key --json allowed.json
  expect_rc 1 "--allow-default-key accepts it (the plan lists the foreign two)"
  assert_eq "13 0" "$(jq -r '"\(.totals.to_reencrypt) \([.problem_details[] | select(.state == "refused")] | length)"' allowed.json)" "planned, not refused"
  set_key abc
  capture "$KSMIGRATE" run "${M[@]}" --from internal --to encryption-key
  expect_rc 3 "a malformed [encryption] key"
  assert_contains "$ERR" "[encryption] key" "names the field"
  set_key "$K1"
  capture "$KSMIGRATE" run "${M[@]}" --from internal --to old-encryption-key
  expect_rc 2 "old_key as the target, with no old_key"
  sed -i "/^\[encryption\]/a old_key = \"$K2\"" "$CONF"
  capture "$KSMIGRATE" run "${M[@]}" --from internal --to old-encryption-key
  expect_rc 4 "old_key as the target"
  assert_contains "$ERR" "old_key" "says the product encrypts with key"
  printf '%s\n' "$KX" > kx.txt
  capture "$KSMIGRATE" run "${M[@]}" --from internal --to-encryption-key-file kx.txt
  expect_rc 4 "an explicit AES key that is not deployment.toml's"
  assert_contains "$ERR" "not the key the product will use" "says why"
  capture "$KSMIGRATE" run "${M[@]}" --from internal --from-encryption-key-file kx.txt
  expect_rc 2 "--from internal with an AES key file"
  capture "$KSMIGRATE" run "${M[@]}" --from encryption-key --to encryption-key
  expect_rc 4 "the same key on both sides"
  assert_eq "$(cat values.now)" "$(values)" "no refusal changed a value"
  [[ -z $(dbq "SELECT name FROM sqlite_master WHERE name LIKE 'KSMIGRATE%'") ]] || fail "a refusal left a journal"; ok
fi

for s in "${NO_LEAK[@]}"; do assert_not_contains "$ALL" "$s" "a key text in the output"; done
done_testing
