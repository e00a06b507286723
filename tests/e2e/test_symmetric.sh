#!/usr/bin/env bash
# kscipher with AES values against the Java AES peer (WSO2's way, real Gson), both ways:
# decrypt of formats 3 (key, then old_key, of deployment.toml; no keystore exists or is
# opened), 4 and raw AES; encrypt --symmetric; explicit keys from a file or the
# environment; check's [encryption] lint. Key texts never appear in any output.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
H="$WORK/home"
make_home "$H"
CONF="$H/repository/conf/deployment.toml"
KEY=$(openssl rand -hex 32)
OLD=$(openssl rand -hex 32)
OTHER='another-16-bytes'
NO_LEAK=("$KEY" "$OLD" "$OTHER")
plain='pässwörd=<&> ✓'
b64=$(printf '%s' "$plain" | base64 -w0)
encryption() { printf '[encryption]\nkey = "%s"\n%s\n' "$1" "${2:+old_key = \"$2\"}" > "$CONF"; }
encryption "$KEY" "$OLD"
# No keystore in the home at all: decrypting AES must not need one.
[[ ! -e "$H/repository/resources/security/wso2carbon.jks" ]] || fail "the home has a keystore"

# --- Java writes format 3 under key and under old_key (with and without keyIds, 16-byte IVs).
for opts in "" keyids iv16 "keyids kid=bm90LXRoaXM="; do
  for k in "$KEY" "$OLD"; do
    ct=$(printf '%s\n' "$b64" | aes_peer encrypt-carbon "text:$k" $opts) || fail "Java encrypt-carbon"
    run_stdin "$ct" "$KSCIPHER" decrypt --home "$H"
    expect_rc 0 "decrypt Java's format 3 ($opts) with [encryption] key/old_key"
    assert_eq "$plain" "$OUT" "plaintext of Java's format 3 ($opts)"
  done
done

# --- kscipher writes format 3 with [encryption] key; Java (key + old_key) reads it by keyId.
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --home "$H"
expect_rc 0 "encrypt --symmetric"
ours=$OUT
assert_eq "AES/GCM/NoPadding" "$(printf '%s' "$ours" | base64 -d | jq -r .t)" "t of format 3"
assert_eq "$b64" "$(printf '%s\n' "$ours" | aes_peer decrypt-carbon "text:$KEY" "text:$OLD")" "Java reads our format 3"
# Written with key, not old_key: Java with old_key as its only key cannot read it.
printf '%s\n' "$ours" | aes_peer decrypt-carbon "text:$OLD" >/dev/null 2>&1 && fail "our value opened under old_key"
ok

# --- Explicit keys: a file and the environment, both ways; raw AES; format 4 by key text.
printf '%s\n' "$OTHER" > keyfile
export KSC_TEST_KEY="$OTHER"
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --encryption-key-file keyfile
expect_rc 0 "encrypt --symmetric --encryption-key-file"
assert_eq "$b64" "$(printf '%s\n' "$OUT" | aes_peer decrypt-carbon "text:$OTHER")" "Java reads the explicit-key value"
ct=$(printf '%s\n' "$b64" | aes_peer encrypt-carbon "text:$OTHER" keyids)
run_stdin "$ct" "$KSCIPHER" decrypt --encryption-key-env KSC_TEST_KEY
expect_rc 0 "decrypt with --encryption-key-env"
assert_eq "$plain" "$OUT" "plaintext with --encryption-key-env"
ct=$(printf '%s\n' "$b64" | aes_peer encrypt-raw "text:$OTHER")
run_stdin "$ct" "$KSCIPHER" decrypt --transformation AES --encryption-key-file keyfile
expect_rc 0 "decrypt raw AES"
assert_eq "$plain" "$OUT" "plaintext of Java's raw AES"
ct=$(printf '%s\n' "$b64" | aes_peer encrypt-vault "text:$KEY")
printf '%s\n' "$KEY" > key2
run_stdin "$ct" "$KSCIPHER" decrypt --encryption-key-file key2
expect_rc 0 "decrypt Java's format 4 with the key text"
assert_eq "$plain" "$OUT" "plaintext of Java's format 4"

# --- Format 4 with a keytool secret-key entry (PKCS#12 and JCEKS), both ways, and configure --symmetric.
SP='symStore-pw1'
printf '%s\n' "$SP" > sympw
NO_LEAK+=("$SP")
keytool -genseckey -alias symkey -keyalg AES -keysize 256 -storetype PKCS12 -keystore sym.p12 -storepass "$SP" \
  >/dev/null 2>&1 || fail "keytool -genseckey PKCS12"
keytool -genseckey -alias symkey -keyalg AES -keysize 128 -storetype JCEKS -keystore sym.jceks -storepass "$SP" \
  -keypass "$SP" >/dev/null 2>&1 || fail "keytool -genseckey JCEKS"
make_key rsa.p12 rsakey "$SP" PKCS12 "${DE_EXT[@]}"
for ks in sym.p12:PKCS12 sym.jceks:JCEKS; do
  f=${ks%%:*}; t=${ks##*:}
  ct=$(printf '%s\n' "$b64" | aes_peer encrypt-vault "ks:$t:$f:$SP:symkey") || fail "Java encrypt-vault $t"
  run_stdin "$ct" "$KSCIPHER" decrypt --keystore "$f" --alias symkey --password-file sympw
  expect_rc 0 "decrypt Java's format 4 with the $t secret key"
  assert_eq "$plain" "$OUT" "plaintext of Java's format 4 ($t)"
  run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --keystore "$f" --alias symkey --password-file sympw
  expect_rc 0 "encrypt --symmetric with the $t secret key"
  assert_eq "$b64" "$(printf '%s\n' "$OUT" | aes_peer decrypt-vault "ks:$t:$f:$SP:symkey")" "Java reads our format 4 ($t)"
done
run_stdin "$ct" "$KSCIPHER" decrypt --home "$H"
expect_error 2 "secret key" "format 4 without a keystore"
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --keystore rsa.p12 --alias rsakey --password-file sympw
expect_error 3 "not a secret-key entry" "an RSA entry is not a secret key"
cp "$CONF" conf.saved
printf '[secrets]\nadmin_password = "[%s]"\nother = "[x y]"\n' "$plain" > "$CONF"
run_capture "$KSCIPHER" configure --symmetric --home "$H" --keystore sym.p12 --alias symkey --password-file sympw
expect_rc 0 "configure --symmetric"
assert_contains "$OUT" "2 value(s) encrypted" "both secrets encrypted"
: > vault.txt
for a in admin_password other; do
  v=$(sed -n "s/^$a = \"\(.*\)\"\$/\1/p" "$CONF")
  assert_eq symmetric-vault "$(printf '%s' "$v" | base64 -d | jq -r 'if .cipherText and .iv then "symmetric-vault" else "?" end')" "$a is format 4"
  echo "$v" >> vault.txt
done
assert_eq "$b64 $(printf 'x y' | base64 -w0)" "$(aes_peer decrypt-vault "ks:PKCS12:sym.p12:$SP:symkey" < vault.txt | tr '\n' ' ' | sed 's/ $//')" \
  "Java reads every configured secret"
run_capture "$KSCIPHER" verify --symmetric --home "$H" --keystore sym.p12 --alias symkey --password-file sympw
expect_rc 0 "verify --symmetric"
assert_contains "$OUT" "2 ok, 0 problem(s)" "every AES secret verifies"
# A secret of another key (Java's, under the JCEKS key) is a problem, named by alias.
other_ct=$(printf '%s\n' "$b64" | aes_peer encrypt-vault "ks:JCEKS:sym.jceks:$SP:symkey")
sed -i "s|^other = .*|other = \"$other_ct\"|" "$CONF"
run_capture "$KSCIPHER" verify --symmetric --home "$H" --keystore sym.p12 --alias symkey --password-file sympw --json
expect_rc 1 "verify --symmetric with a secret under another key"
assert_eq "undecryptable" "$(jq -r '.secrets[] | select(.alias == "other") | .state' <<<"$OUT")" "the other key's secret"
assert_eq "ok" "$(jq -r '.secrets[] | select(.alias == "admin_password") | .state' <<<"$OUT")" "ours still ok"
cp conf.saved "$CONF"

# --- Refusals and bad input: the error names where the key came from, never the key.
ct=$(printf '%s\n' "$b64" | aes_peer encrypt-carbon "text:$OTHER" keyids)
run_stdin "$ct" "$KSCIPHER" decrypt --home "$H"
expect_error 3 "[encryption] key of $CONF" "format 3 under neither key"
assert_contains "$ERR" "names another key" "the hint says the keyId names another key"
encryption "${KEY:0:63}"
run_stdin "$ours" "$KSCIPHER" decrypt --home "$H"
expect_error 3 "[encryption] key" "a 63-character key"
encryption "$(printf 'g%.0s' {1..64})"
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --home "$H"
expect_error 3 "not hex" "64 characters that are not hex"
printf '[server]\nhostname = "x"\n' > "$CONF"
run_stdin "$ours" "$KSCIPHER" decrypt --home "$H"
expect_error 2 "no [encryption] key" "no [encryption] key"
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --encryption-key-file keyfile --encryption-key-env KSC_TEST_KEY
expect_error 2 "not both" "two key sources"
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --encryption-key-file keyfile --format self-contained
expect_rc 2 "--format with --symmetric"
run_stdin "$ct" "$KSCIPHER" decrypt --encryption-key-file "$WORK/missing"
expect_rc 3 "a missing key file"
# The public default key: encrypt warns, and says so without printing it in any other way.
encryption "03BAFEB27A8E871CAD83C5CD4E771DAB"
run_stdin "$plain" "$KSCIPHER" encrypt --symmetric --home "$H"
expect_rc 0 "encrypt with the public default key"
assert_contains "$ERR" "public Identity Server default key" "warns about the default key"
assert_eq "$b64" "$(printf '%s\n' "$OUT" | aes_peer decrypt-carbon "text:03BAFEB27A8E871CAD83C5CD4E771DAB")" \
  "the default key is 32 raw bytes, as Java reads it"

# --- check lints [encryption]: key length/hex, the public default key, old_key == key.
make_key "$H/repository/resources/security/wso2carbon.jks" wso2carbon wso2carbon JKS "${DE_EXT[@]}"
keytool -exportcert -alias wso2carbon -keystore "$H/repository/resources/security/wso2carbon.jks" -storepass wso2carbon \
  -file ca.cer >/dev/null 2>&1
keytool -importcert -noprompt -alias ca -file ca.cer -keystore "$H/repository/resources/security/client-truststore.jks" \
  -storetype JKS -storepass wso2carbon >/dev/null 2>&1 || fail "keytool could not make the truststore"
enc_errors() { jq -r '[.findings[] | select(.table == "encryption" and .severity == "error")] | length' <<<"$OUT"; }
encryption "$KEY" "$OLD"
run_capture "$KSCIPHER" check --home "$H" --json
expect_rc 0 "check with a good [encryption]"
assert_eq 0 "$(enc_errors)" "no [encryption] error"
for bad in "03BAFEB27A8E871CAD83C5CD4E771DAB|public" "${KEY:0:40}|40 characters" "$(printf 'z%.0s' {1..48})|not hex"; do
  encryption "${bad%%|*}"
  run_capture "$KSCIPHER" check --home "$H" --json
  expect_rc 1 "check: ${bad##*|}"
  assert_eq 1 "$(enc_errors)" "one [encryption] error: ${bad##*|}"
  assert_contains "$OUT" "${bad##*|}" "the finding says what: ${bad##*|}"
  for s in "${NO_LEAK[@]}" "${bad%%|*}"; do
    [[ ${#s} -lt 32 || "$OUT$ERR" != *"$s"* ]] || fail "check printed a key"
  done
done
encryption "$KEY" "$KEY"
run_capture "$KSCIPHER" check --home "$H"
expect_rc 1 "check: old_key == key"
assert_contains "$OUT" "old_key is the same key as key" "names the mistake"
assert_not_contains "$OUT$ERR" "$KEY" "check never prints the key"
done_testing
