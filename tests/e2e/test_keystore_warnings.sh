#!/usr/bin/env bash
# What the keystore reader accepts with a warning (bytes after the keystore, a --type that
# is not the file's) reaches the user on stderr in every command that opens a keystore:
# kscipher inspect, encrypt, decrypt and check, and ksmigrate plan; stdout stays clean.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
P='passwd12#'
echo -n "$P" > pw
make_key a.p12 k "$P" PKCS12 "${DE_EXT[@]}"
make_key b.jks k "$P" JKS "${DE_EXT[@]}"
make_key t.p12 t "$P" PKCS12 "${DE_EXT[@]}"
for f in a.p12 b.jks; do
  cp "$f" "tail-$f"; printf 'appended by a copy tool' >> "tail-$f"
  keytool -list -keystore "tail-$f" -storepass "$P" >/dev/null 2>&1 || fail "keytool cannot open tail-$f"; ok
done
WARN="bytes after the end of the"
WARN_JKS="bytes after the end of the keystore were ignored"

for f in tail-a.p12 tail-b.jks; do
  run_capture "$KSCIPHER" inspect "$f" --password-file pw
  expect_rc 0 "inspect $f"
  assert_contains "$ERR" "$WARN" "inspect $f warns on stderr"
  assert_not_contains "$OUT" "$WARN" "inspect $f: stdout stays the report"

  run_stdin 'a secret' "$KSCIPHER" encrypt --keystore "$f" --alias k --password-file pw
  expect_rc 0 "encrypt with $f"
  assert_contains "$ERR" "$WARN" "encrypt with $f warns on stderr"
  assert_not_contains "$OUT" "$WARN" "encrypt with $f: stdout is the ciphertext only"
  ct=$OUT

  run_stdin "$ct" "$KSCIPHER" decrypt --keystore "$f" --alias k --password-file pw
  expect_rc 0 "decrypt with $f"
  assert_eq 'a secret' "$OUT" "decrypt with $f"
  assert_contains "$ERR" "$WARN" "decrypt with $f warns on stderr"
done
assert_contains "$(cd "$WORK" && "$KSCIPHER" inspect tail-b.jks --password-file pw 2>&1 >/dev/null)" "$WARN_JKS" "JKS wording"

# A --type that is not the file's: read as the file is, with a warning, also in encrypt.
run_stdin 'x' "$KSCIPHER" encrypt --keystore b.jks --type PKCS12 --alias k --password-file pw
expect_rc 0 "encrypt with a mismatched --type"
assert_contains "$ERR" "--type PKCS12 was given, but the file is a JKS keystore" "encrypt warns about --type"

# kscipher check: the warning is one of its findings.
mkdir -p home/repository/conf home/repository/resources/security
cp tail-a.p12 home/repository/resources/security/wso2carbon.p12
cat > home/repository/conf/deployment.toml <<TOML
[keystore.primary]
file_name = "wso2carbon.p12"
type = "PKCS12"
password = "$P"
alias = "k"
key_password = "$P"
TOML
run_capture "$KSCIPHER" check --home home
assert_contains "$OUT$ERR" "$WARN" "check reports the bytes after the keystore"

# ksmigrate plan: the source keystore's warning on stderr.
sqlite3 m.db "CREATE TABLE IDN_SECRET (ID VARCHAR(255) PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000)); INSERT INTO IDN_SECRET VALUES ('1','n','x')"
run_capture "$KSMIGRATE" plan --db m.db --no-config --from-keystore tail-a.p12 --from-alias k --from-password-file pw \
  --to-keystore t.p12 --to-alias t --to-password-file pw
[[ $RC == 0 || $RC == 1 ]] || fail "ksmigrate plan: exit $RC: $ERR"; ok
assert_contains "$ERR" "$WARN" "ksmigrate plan warns on stderr"
assert_eq 1 "$(grep -c "$WARN" <<<"$ERR")" "ksmigrate plan warns once"
done_testing
