# A WSO2-shaped product home for the ksmigrate tests (sourced after lib.sh):
# HOME with wso2carbon.jks (the shared primary key, source), internal.p12 (the new
# internal key, target), other.p12 (a foreign key), deployment.toml with [secrets]
# encrypted by kscipher under the source key, and an SQLite database holding every
# target of the wso2-apim-4 profile, its values encrypted by the Java JCE peer.
# Writes expect.txt: "<select of one value>|<transformation for plain values>|<plaintext>"
# for every value that must decrypt under the target key after the run, and
# expect.source.txt: the same lines but for the value already under the RSA target (what an
# AES key change moves: the others stay under their key).

H="$WORK/home"
SEC="$H/repository/resources/security"
CONF="$H/repository/conf/deployment.toml"
DB="$H/repository/database/WSO2AM_DB.db"
OAEP=RSA/ECB/OAEPwithSHA1andMGF1Padding

make_migration_home() {
  make_home "$H"
  make_key "$SEC/wso2carbon.jks" wso2carbon wso2carbon JKS "${DE_EXT[@]}"
  make_key "$SEC/internal.p12" internal internalpw PKCS12 "${DE_EXT[@]}"
  make_key "$WORK/other.p12" other otherpw PKCS12 "${DE_EXT[@]}"
  cat > "$CONF" <<'TOML'
[server]
hostname = "localhost"

[secrets]
admin_password = "[admin-pw]"
db_password = "[db-pw]"

[super_admin]
username = "admin"
password = "$secret{admin_password}"
TOML
  "$KSCIPHER" configure --home "$H" >/dev/null || fail "kscipher configure for the fixture"
}

# Appends [keystore.internal] pointing at the new keystore (the operator's change).
configure_internal_keystore() {
  cat >> "$CONF" <<'TOML'

[keystore.internal]
file_name = "internal.p12"
type = "PKCS12"
password = "internalpw"
alias = "internal"
key_password = "internalpw"
TOML
}

# jenc KEYSTORE TYPE PASS ALIAS TRANSFORMATION FORMAT PLAINTEXT -> one Java ciphertext
jenc() {
  printf '%s %s %s\n' "$5" "$6" "$(printf '%s' "$7" | base64 -w0)" |
    java_peer encrypt "$2" "$1" "$3" "$4" || fail "Java encrypt"
}
SRC=("$SEC/wso2carbon.jks" JKS wso2carbon wso2carbon)
DST=("$SEC/internal.p12" PKCS12 internalpw internal)
FOREIGN=("$WORK/other.p12" PKCS12 otherpw other)

sql() { sqlite3 "$DB" "$@"; }
q() { printf "'%s'" "${1//\'/\'\'}"; }

# add_value TABLE.COLUMN SELECT-WHERE KIND PLAINTEXT: encrypts under the source key (kind
# s = self-contained OAEP, p = plain PKCS#1 v1.5, o = plain OAEP) and records the expectation.
enc_source() {  # kind plaintext -> ciphertext
  case $1 in
    s) jenc "${SRC[@]}" "$OAEP" self-contained "$2" ;;
    p) jenc "${SRC[@]}" RSA plain "$2" ;;
    o) jenc "${SRC[@]}" "$OAEP" plain "$2" ;;
  esac
}
expect() {  # select kind plaintext
  expect_target "$@"
  tail -n1 "$WORK/expect.txt" >> "$WORK/expect.source.txt"
}
expect_target() {  # the same for a value already under the RSA target key
  local t=-; [[ $2 == p ]] && t=RSA; [[ $2 == o ]] && t=$OAEP
  echo "$1|$t|$3" >> "$WORK/expect.txt"
}

make_migration_db() {
  : > "$WORK/expect.txt"; : > "$WORK/expect.source.txt"
  sql <<'SQL'
CREATE TABLE IDN_OAUTH_CONSUMER_APPS (ID INTEGER PRIMARY KEY, CONSUMER_KEY VARCHAR(255), CONSUMER_SECRET VARCHAR(2048), APP_NAME VARCHAR(255));
CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255) PRIMARY KEY, ACCESS_TOKEN VARCHAR(2048), REFRESH_TOKEN VARCHAR(2048), TOKEN_STATE VARCHAR(25));
CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN_AUDIT (TOKEN_ID VARCHAR(255), ACCESS_TOKEN VARCHAR(2048), REFRESH_TOKEN VARCHAR(2048), INVALIDATED_TIME TIMESTAMP);
CREATE TABLE IDN_OAUTH2_AUTHORIZATION_CODE (CODE_ID VARCHAR(255) PRIMARY KEY, AUTHORIZATION_CODE VARCHAR(2048), CONSUMER_KEY_ID INTEGER);
CREATE TABLE IDN_IDENTITY_USER_DATA (TENANT_ID INTEGER DEFAULT -1234, USER_NAME VARCHAR(255) NOT NULL, DATA_KEY VARCHAR(255) NOT NULL, DATA_VALUE VARCHAR(2048), PRIMARY KEY (TENANT_ID, USER_NAME, DATA_KEY));
CREATE TABLE WF_BPS_PROFILE (PROFILE_NAME VARCHAR(45), HOST_URL_MANAGER VARCHAR(255), USERNAME VARCHAR(45), PASSWORD VARCHAR(1023), TENANT_ID INTEGER DEFAULT -1, PRIMARY KEY (PROFILE_NAME, TENANT_ID));
CREATE TABLE IDN_SECRET (ID VARCHAR(255) PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000));
CREATE TABLE IDP_AUTHENTICATOR_PROPERTY (ID INTEGER PRIMARY KEY, TENANT_ID INTEGER, PROPERTY_KEY VARCHAR(255), PROPERTY_VALUE VARCHAR(2047), IS_SECRET CHAR(1) DEFAULT '0');
CREATE TABLE REG_PROPERTY (REG_ID INTEGER, REG_NAME VARCHAR(100), REG_VALUE VARCHAR(1000), REG_TENANT_ID INTEGER DEFAULT 0, PRIMARY KEY (REG_ID, REG_TENANT_ID));
CREATE TABLE AM_KEY_MANAGER (UUID VARCHAR(50) PRIMARY KEY, NAME VARCHAR(100), CONFIGURATION BLOB, TENANT_DOMAIN VARCHAR(100));
SQL
  local v i
  # CONSUMER_SECRET: every state.
  for i in 1 2 3 4 5; do
    v=$(enc_source s "cs-$i"); sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES ($i, 'key$i', $(q "$v"), 'app$i')"
    expect "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=$i" s "cs-$i"
  done
  v=$(enc_source p "cs-6"); sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (6, 'key6', $(q "$v"), 'legacy')"
  expect "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=6" p "cs-6"
  sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (7, 'key7', NULL, 'null'), (8, 'key8', '', 'empty'), (9, 'key9', 'not-a-secret', 'plain')"
  v=$(jenc "${DST[@]}" "$OAEP" self-contained "cs-10"); sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (10, 'k10', $(q "$v"), 'done')"
  expect_target "SELECT CONSUMER_SECRET FROM IDN_OAUTH_CONSUMER_APPS WHERE ID=10" s "cs-10"
  v=$(jenc "${FOREIGN[@]}" "$OAEP" self-contained "cs-11"); sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (11, 'k11', $(q "$v"), 'foreign')"
  # Damaged: a self-contained value under the source thumbprint whose block was cut.
  v=$(enc_source s "cs-12" | base64 -d | sed -E 's/"c":"(.{20})[^"]*"/"c":"\1AAAA"/' | base64 -w0)
  sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (12, 'k12', $(q "$v"), 'damaged')"
  v=$(printf '{"c":"%s","t":"AES/GCM/NoPadding","iv":"%s"}' "$(head -c 48 /dev/urandom | base64 -w0)" "$(head -c 16 /dev/urandom | base64 -w0)" | base64 -w0)
  sql "INSERT INTO IDN_OAUTH_CONSUMER_APPS VALUES (13, 'k13', $(q "$v"), 'symmetric')"

  for i in 1 2 3; do
    a=$(enc_source s "at-$i"); r=NULL
    if [[ $i != 3 ]]; then r=$(q "$(enc_source s "rt-$i")"); expect "SELECT REFRESH_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID='tok$i'" s "rt-$i"; fi
    sql "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('tok$i', $(q "$a"), $r, 'ACTIVE')"
    expect "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID='tok$i'" s "at-$i"
  done
  # The audit table has no primary key (rowid).
  v=$(enc_source s "audit-1"); sql "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_AUDIT VALUES ('old1', $(q "$v"), NULL, '2024-01-01')"
  expect "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN_AUDIT WHERE TOKEN_ID='old1'" s "audit-1"
  v=$(enc_source p "audit-2"); sql "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_AUDIT VALUES ('old2', $(q "$v"), NULL, '2024-01-02')"
  expect "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN_AUDIT WHERE TOKEN_ID='old2'" p "audit-2"
  for i in 1 2; do
    v=$(enc_source s "code-$i"); sql "INSERT INTO IDN_OAUTH2_AUTHORIZATION_CODE VALUES ('c$i', $(q "$v"), 1)"
    expect "SELECT AUTHORIZATION_CODE FROM IDN_OAUTH2_AUTHORIZATION_CODE WHERE CODE_ID='c$i'" s "code-$i"
  done
  v=$(enc_source s "totp-1"); sql "INSERT INTO IDN_IDENTITY_USER_DATA VALUES (-1234, 'alice', 'http://wso2.org/claims/identity/secretkey', $(q "$v"))"
  expect "SELECT DATA_VALUE FROM IDN_IDENTITY_USER_DATA WHERE USER_NAME='alice'" s "totp-1"
  v=$(enc_source o "totp-2"); sql "INSERT INTO IDN_IDENTITY_USER_DATA VALUES (-1234, 'bob', 'http://wso2.org/claims/identity/verifySecretkey', $(q "$v"))"
  expect "SELECT DATA_VALUE FROM IDN_IDENTITY_USER_DATA WHERE USER_NAME='bob' AND DATA_KEY LIKE '%verifySecretkey'" o "totp-2"
  sql "INSERT INTO IDN_IDENTITY_USER_DATA VALUES (-1234, 'bob', 'http://wso2.org/claims/foo', 'plain claim')"
  v=$(enc_source p "bps-1"); sql "INSERT INTO WF_BPS_PROFILE VALUES ('embedded_bps', 'https://localhost', 'admin', $(q "$v"), -1234)"
  expect "SELECT PASSWORD FROM WF_BPS_PROFILE WHERE PROFILE_NAME='embedded_bps'" p "bps-1"
  v=$(enc_source s "idn-secret"); sql "INSERT INTO IDN_SECRET VALUES ('s1', 'name', $(q "$v"))"
  expect "SELECT SECRET_VALUE FROM IDN_SECRET WHERE ID='s1'" s "idn-secret"
  v=$(enc_source s "idp-1"); sql "INSERT INTO IDP_AUTHENTICATOR_PROPERTY VALUES (1, -1234, 'ClientSecret', $(q "$v"), '1'), (2, -1234, 'ClientId', 'visible', '0')"
  expect "SELECT PROPERTY_VALUE FROM IDP_AUTHENTICATOR_PROPERTY WHERE ID=1" s "idp-1"
  v=$(enc_source p "reg-1"); sql "INSERT INTO REG_PROPERTY VALUES (1, 'password', $(q "$v"), -1234), (2, 'other', 'x', -1234)"
  expect "SELECT REG_VALUE FROM REG_PROPERTY WHERE REG_ID=1" p "reg-1"
  # AM_KEY_MANAGER km1: as API-M writes it (a string per secret holding json-simple's
  # wrapper around the raw self-contained JSON, Gson around it all), by the Java peer
  # with the real libraries: 4 secrets, two of them in a list. km3: the older form (a
  # nested wrapper object, Base64 value) with two values at different depths.
  local km1_props='client_id\tstring\tabc\nclient_secret\tsecret\tkm-secret\napi_key\tsecret\tkm-api-key\nextra\tsecrets\tkm-list-1,km-list-2\nenabled\tbool\ttrue\ntoken_url\tstring\thttps://kc.example.com/t?a=1&b=<2>\ntimeout\tint\t30\n'
  # Its secrets' plaintexts in document order (list items one by one): km1.secrets.
  printf "$km1_props" | awk -F'\t' '$2 == "secret" { print $3 } $2 == "secrets" { n = split($3, a, ","); for (i = 1; i <= n; i++) print a[i] }' > "$WORK/km1.secrets"
  printf "$km1_props" |
    km_peer build JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon "$OAEP" > "$WORK/km1.json" || fail "Java could not build the key manager document"
  km_peer read JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon wso2carbon < "$WORK/km1.json" > "$WORK/km1.expected" || fail "Java could not read its own document"
  grep -q '^extra=\[km-list-1,km-list-2\]$' "$WORK/km1.expected" || fail "the Java peer's document is not as expected"
  a=$(enc_source s "km-secret"); b=$(enc_source s "km-nested")
  doc=$(printf '{"client_id":"abc","client_secret":{"encrypted":true,"value":"%s"},"nested":{"list":[1,{"encrypted":true,"value":"%s"}]},"enabled":true}' "$a" "$b")
  sql "INSERT INTO AM_KEY_MANAGER VALUES ('km1', 'Keycloak', CAST($(q "$(cat "$WORK/km1.json")") AS BLOB), 'carbon.super'), ('km2', 'Plain', CAST('{\"a\":1}' AS BLOB), 'carbon.super'), ('km3', 'Resident', CAST($(q "$doc") AS BLOB), 'carbon.super')"
  expect "SELECT json_extract(CAST(CONFIGURATION AS TEXT), '\$.client_secret.value') FROM AM_KEY_MANAGER WHERE UUID='km3'" s "km-secret"
  expect "SELECT json_extract(CAST(CONFIGURATION AS TEXT), '\$.nested.list[1].value') FROM AM_KEY_MANAGER WHERE UUID='km3'" s "km-nested"
}

# The key manager peer (tests/java/KeyManagerDoc.java) with Debian's Gson and json-simple.
KM_CP=/usr/share/java/gson.jar:/usr/share/java/json-simple.jar
km_peer() {
  if [[ ! -f "$WORK/java/KeyManagerDoc.class" ]]; then
    mkdir -p "$WORK/java"
    javac -nowarn -cp "$KM_CP" -d "$WORK/java" "$KSC_SRC/tests/java/KeyManagerDoc.java" 2>/dev/null || fail "javac KeyManagerDoc failed"
  fi
  java -cp "$WORK/java:$KM_CP" KeyManagerDoc "$@"
}
# The km1 document with every secret's wrapper string replaced by W: what must not change.
km_masked() {
  sqlite3 "$DB" "SELECT CAST(CONFIGURATION AS TEXT) FROM AM_KEY_MANAGER WHERE UUID='km1'" |
    python3 -c 'import re,sys; print(re.sub(r"\"\{\\\"encrypted\\\":true.*?\\\"\}\"", "W", sys.stdin.read()))'
}
# km1 as the product reads it under KEYSTORE: the same properties and plaintexts as
# before the migration, and still in the product's form (raw JSON inside, \/ escapes).
check_key_manager() {  # keystore type pass alias
  sqlite3 "$DB" "SELECT CAST(CONFIGURATION AS TEXT) FROM AM_KEY_MANAGER WHERE UUID='km1'" > "$WORK/km1.now"
  km_peer read "$2" "$1" "$3" "$4" "$3" < "$WORK/km1.now" > "$WORK/km1.got" || fail "Java could not read the key manager secrets under $1"
  cmp -s "$WORK/km1.expected" "$WORK/km1.got" || fail "key manager document reads differently under $1: $(diff "$WORK/km1.expected" "$WORK/km1.got")"
  local v; v=$(jq -r '.client_secret | fromjson | .value' "$WORK/km1.now")
  [[ $v == '{"c":"'*'\u003d'*'","tpd":"SHA-1"}' ]] || fail "client_secret is no longer raw self-contained JSON: $v"
  [[ $(jq -r .client_secret "$WORK/km1.now") == *'RSA\/ECB\/'* ]] || fail "the wrapper lost json-simple's escaping"
  ok
}

# Decrypts every expected value with Java under KEYSTORE and compares with the plaintexts.
check_expectations() {  # keystore type pass alias
  local line sel t p v
  : > "$WORK/jin.txt"; : > "$WORK/want.txt"
  while IFS='|' read -r sel t p; do
    v=$(sql "$sel")
    [[ $t == - ]] && t=RSA
    echo "$t $v" >> "$WORK/jin.txt"
    printf '%s' "$p" | base64 -w0 >> "$WORK/want.txt"; echo >> "$WORK/want.txt"
  done < "$WORK/expect.txt"
  java_peer decrypt "$2" "$1" "$3" "$4" "$3" < "$WORK/jin.txt" > "$WORK/got.txt" || fail "Java could not decrypt every migrated value under $1"
  cmp -s "$WORK/want.txt" "$WORK/got.txt" || fail "Java's plaintexts differ from the originals"
  ok
}

# --- The same checks for an AES key change (--to encryption-key): Java reads the values
# as WSO2's SymmetricKeyInternalCryptoProvider does (tests/java/AesPeer.java). Key texts
# reach Java in its environment (AesPeer's env:NAME), never on a command line.
aes_key_id() { printf '%s' "$1" | xxd -r -p | openssl dgst -sha256 -binary | base64 -w0; }  # hex key text
# Format 3 as Carbon writes it (Gson: HTML-safe escapes, no kid), with the keyId of KEY-ID
# and a 128-byte IV, for every value of FILE (one Base64 value a line; LABELS: what each
# is); fails naming the first that is not so.
aes_values_check() {  # file labels key-id
  local why
  why=$(python3 - "$1" "$2" "$3" 2>&1 <<'PY'
import base64, json, re, sys
values, labels, key_id = open(sys.argv[1]).read().split("\n"), open(sys.argv[2]).read().split("\n"), sys.argv[3]
def problem(v):
    try:
        outer = base64.b64decode(v, validate=True).decode()
    except Exception:
        return "not Base64"
    if not re.fullmatch(r'\{"c":"[^"]+","t":"AES/GCM/NoPadding","iv":"[^"]+\\u003d"\}', outer):
        return "not Carbon's format 3: " + outer
    inner = json.loads(base64.b64decode(json.loads(outer)["c"]))
    got = (inner.get("keyId"), len(base64.b64decode(inner["initializationVector"])))
    return None if got == (key_id, 128) else "keyId and IV length %s, expected %s" % (got, (key_id, 128))
for v, label in zip(values, labels):
    if v and (p := problem(v)):
        sys.exit(label + ": " + p)
PY
) || fail "${why:-the AES value check failed}"
  ok
}
# Every value that was under the source key (expect.source.txt, km1's secrets) now reads
# under KEY (and, for Java, OLD_KEY, as Carbon picks between them by keyId), written under
# KEY. km1's secrets keep the product's form: raw format-3 JSON inside json-simple's wrapper
# string (its '/' escaped as \/).
check_expectations_aes() {  # key-text [old-key-text]
  local sel t p v keys=(env:KSC_PEER_KEY)
  local -x KSC_PEER_KEY=$1 KSC_PEER_OLD_KEY=${2:-}
  [[ $# -gt 1 ]] && keys+=(env:KSC_PEER_OLD_KEY)
  : > "$WORK/jin.txt"; : > "$WORK/want.txt"; : > "$WORK/labels.txt"
  while IFS='|' read -r sel t p; do
    sql "$sel" >> "$WORK/jin.txt"; echo "$sel" >> "$WORK/labels.txt"
    printf '%s' "$p" | base64 -w0 >> "$WORK/want.txt"; echo >> "$WORK/want.txt"
  done < "$WORK/expect.source.txt"
  sql "SELECT CAST(CONFIGURATION AS TEXT) FROM AM_KEY_MANAGER WHERE UUID='km1'" > "$WORK/km1.now"
  [[ $(jq -r .client_secret "$WORK/km1.now") == *'"value":"{\"c\":'*'AES\/GCM\/NoPadding'* ]] ||
    fail "km1's client_secret wrapper lost its form: $(jq -r .client_secret "$WORK/km1.now")"
  # Each secret's value as the product reads it, raw JSON (any other form fails the check).
  jq -r '.[] | if type == "array" then .[] else . end | strings | (fromjson? // null) | objects | select(.encrypted == true) | .value' \
    "$WORK/km1.now" > "$WORK/km1.values"
  assert_eq "$(wc -l < "$WORK/km1.secrets")" "$(wc -l < "$WORK/km1.values")" "km1: every secret still a wrapper string"
  while IFS= read -r v; do
    [[ $v == '{'* ]] || fail "km1: a secret is no longer raw JSON inside its wrapper: $v"
    printf '%s' "$v" | base64 -w0 >> "$WORK/jin.txt"; echo >> "$WORK/jin.txt"; echo "km1 secret" >> "$WORK/labels.txt"
  done < "$WORK/km1.values"
  while IFS= read -r p; do printf '%s' "$p" | base64 -w0 >> "$WORK/want.txt"; echo >> "$WORK/want.txt"; done < "$WORK/km1.secrets"
  aes_values_check "$WORK/jin.txt" "$WORK/labels.txt" "$(aes_key_id "$1")"
  aes_peer decrypt-carbon "${keys[@]}" < "$WORK/jin.txt" > "$WORK/got.txt" || fail "Java could not decrypt every value with the AES key"
  cmp -s "$WORK/want.txt" "$WORK/got.txt" || fail "Java's plaintexts differ from the originals: $(diff "$WORK/want.txt" "$WORK/got.txt")"
  ok
}
# The target-column values an AES key change must leave byte for byte: those under no key
# of it (NULL, empty, plain text, another RSA key's, the one already under the RSA target,
# the damaged one, an AES value of another key) and the document without secrets.
db_left_alone() {
  sqlite3 "$DB" "SELECT ID, typeof(CONSUMER_SECRET), hex(CONSUMER_SECRET) FROM IDN_OAUTH_CONSUMER_APPS WHERE ID BETWEEN 7 AND 13 ORDER BY ID"
  sqlite3 "$DB" "SELECT UUID, typeof(CONFIGURATION), hex(CONFIGURATION) FROM AM_KEY_MANAGER WHERE UUID='km2'"
  # km3 but for its two values.
  sqlite3 "$DB" "SELECT json_remove(CAST(CONFIGURATION AS TEXT), '\$.client_secret.value', '\$.nested.list[1].value') FROM AM_KEY_MANAGER WHERE UUID='km3'"
}

# Every table with the target columns masked, and the schema: what must not change.
db_fingerprint() {
  sqlite3 "$DB" "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'KSMIGRATE%' ORDER BY name"
  sqlite3 "$DB" "SELECT ID, CONSUMER_KEY, APP_NAME FROM IDN_OAUTH_CONSUMER_APPS ORDER BY ID"
  sqlite3 "$DB" "SELECT TOKEN_ID, TOKEN_STATE FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY 1"
  sqlite3 "$DB" "SELECT rowid, TOKEN_ID, INVALIDATED_TIME FROM IDN_OAUTH2_ACCESS_TOKEN_AUDIT ORDER BY 1"
  sqlite3 "$DB" "SELECT TENANT_ID, USER_NAME, DATA_KEY, CASE WHEN DATA_KEY LIKE '%ecretkey' THEN '' ELSE DATA_VALUE END FROM IDN_IDENTITY_USER_DATA ORDER BY 1,2,3"
  sqlite3 "$DB" "SELECT ID, PROPERTY_KEY, IS_SECRET, CASE IS_SECRET WHEN '1' THEN '' ELSE PROPERTY_VALUE END FROM IDP_AUTHENTICATOR_PROPERTY ORDER BY 1"
  sqlite3 "$DB" "SELECT REG_ID, REG_NAME, CASE REG_NAME WHEN 'password' THEN '' ELSE REG_VALUE END FROM REG_PROPERTY ORDER BY 1"
  sqlite3 "$DB" "SELECT UUID, NAME, typeof(CONFIGURATION), json_extract(CAST(CONFIGURATION AS TEXT), '\$.client_id'), json_extract(CAST(CONFIGURATION AS TEXT), '\$.enabled') FROM AM_KEY_MANAGER ORDER BY 1"
}
# Exact bytes and storage classes of every target column (for rollback).
db_values() {
  for tc in IDN_OAUTH_CONSUMER_APPS:CONSUMER_SECRET IDN_OAUTH2_ACCESS_TOKEN:ACCESS_TOKEN IDN_OAUTH2_ACCESS_TOKEN:REFRESH_TOKEN \
            IDN_OAUTH2_ACCESS_TOKEN_AUDIT:ACCESS_TOKEN IDN_OAUTH2_AUTHORIZATION_CODE:AUTHORIZATION_CODE \
            IDN_IDENTITY_USER_DATA:DATA_VALUE WF_BPS_PROFILE:PASSWORD IDN_SECRET:SECRET_VALUE \
            IDP_AUTHENTICATOR_PROPERTY:PROPERTY_VALUE REG_PROPERTY:REG_VALUE AM_KEY_MANAGER:CONFIGURATION; do
    sqlite3 "$DB" "SELECT rowid, typeof(${tc#*:}), hex(${tc#*:}) FROM ${tc%%:*} ORDER BY rowid"
  done
}

# make_token_table N: IDN_OAUTH2_ACCESS_TOKEN with N self-contained OAEP values made
# by the Java peer under the source key (plaintexts tok-00001...; their Base64 in
# jin.txt, field 3), and t.toml naming that one target. Run from $WORK.
make_token_table() {
  local n=$1
  sqlite3 "$DB" "CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID VARCHAR(255) PRIMARY KEY, ACCESS_TOKEN VARCHAR(2048), TOKEN_STATE VARCHAR(25))"
  for i in $(seq 1 "$n"); do printf '%s self-contained %s\n' "$OAEP" "$(printf 'tok-%05d' "$i" | base64 -w0)"; done > jin.txt
  java_peer encrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon < jin.txt > jout.txt || fail "Java encrypt"
  { echo "BEGIN;"
    paste -d' ' <(seq 1 "$n") jout.txt | while read -r i v; do echo "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('t$i', '$v', 'ACTIVE');"; done
    echo "COMMIT;"; } | sqlite3 "$DB"
  printf '[[target]]\ntable = "IDN_OAUTH2_ACCESS_TOKEN"\ncolumn = "ACCESS_TOKEN"\nkey = ["TOKEN_ID"]\n' > t.toml
}
