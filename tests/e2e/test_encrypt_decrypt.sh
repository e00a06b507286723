#!/usr/bin/env bash
# kscipher encrypt/decrypt against the Java JCE peer, both ways, every
# transformation and both formats; refusals and bad input.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
P='passwd12#'
echo -n "$P" > pw
make_key ks.p12 mykey "$P" PKCS12 "${DE_EXT[@]}"
make_key nodecrit.jks mykey "$P" JKS "${NO_DE_CRIT[@]}"
make_key node.jks mykey "$P" JKS "${NO_DE[@]}"
keytool -genkeypair -alias ec -keyalg EC -groupname secp256r1 -dname CN=ec -storetype PKCS12 \
  -keystore ec.p12 -storepass "$P" >/dev/null 2>&1
keytool -genkeypair -alias old -keyalg RSA -keysize 2048 -dname CN=old -startdate 2020/01/01 -validity 30 \
  -storetype PKCS12 -keystore expired.p12 -storepass "$P" >/dev/null 2>&1
keytool -exportcert -alias mykey -keystore ks.p12 -storepass "$P" -file c.cer >/dev/null 2>&1
keytool -importcert -noprompt -alias onlycert -file c.cer -keystore ks.p12 -storepass "$P" >/dev/null 2>&1
KEY=(--keystore ks.p12 --alias mykey --password-file pw)

plain='pässwörd✓ with spaces'
b64=$(printf '%s' "$plain" | base64 -w0)
transformations=("RSA" "RSA/ECB/PKCS1Padding" "RSA/ECB/OAEPwithSHA1andMGF1Padding"
                 "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" "rsa/ecb/oaepwithsha1andmgf1padding")

# kscipher encrypts, Java decrypts.
: > to_java.txt
for t in "${transformations[@]}"; do
  for f in plain self-contained; do
    run_stdin "$plain" "$KSCIPHER" encrypt "${KEY[@]}" --transformation "$t" --format "$f"
    expect_rc 0 "encrypt $t $f"
    echo "$t $OUT" >> to_java.txt
    if [[ $f == self-contained ]]; then
      assert_eq "$t" "$(printf '%s' "$OUT" | base64 -d | jq -r .t)" "t field keeps the name as given"
    else
      assert_eq 344 "${#OUT}" "plain value is 344 Base64 characters"
    fi
  done
done
java_peer decrypt PKCS12 ks.p12 "$P" mykey "$P" < to_java.txt > from_java.txt || fail "Java could not decrypt kscipher's values"
assert_eq "$(wc -l < to_java.txt)" "$(grep -c "^$b64\$" from_java.txt)" "Java decrypts every kscipher value"

# Java encrypts, kscipher decrypts.
: > java_in.txt
for t in "${transformations[@]}"; do
  for f in plain self-contained; do echo "$t $f $b64" >> java_in.txt; done
done
java_peer encrypt PKCS12 ks.p12 "$P" mykey < java_in.txt > java_ct.txt || fail "Java encrypt failed"
i=0
while read -r t f _; do
  i=$((i + 1))
  ct=$(sed -n "${i}p" java_ct.txt)
  args=("${KEY[@]}")
  [[ $f == plain ]] && args+=(--transformation "$t")   # self-contained values carry their own
  run_stdin "$ct" "$KSCIPHER" decrypt "${args[@]}"
  expect_rc 0 "decrypt Java's $t $f"
  assert_eq "$plain" "$OUT" "plaintext of Java's $t $f"
done < java_in.txt

# Refusals: KeyUsage without Data Encipherment (critical and not), EC key -> exit 4.
for ks in nodecrit.jks node.jks; do
  run_stdin "x" "$KSCIPHER" encrypt --keystore "$ks" --alias mykey --password-file pw
  expect_rc 4 "refuse $ks"
  assert_contains "$ERR" "Data Encipherment" "names Data Encipherment"
  assert_contains "$ERR" "mykey" "names the alias"
  assert_contains "$ERR" "$ks" "names the file"
  assert_contains "$ERR" "dataEncipherment" "says how to make a suitable key"
  assert_eq "" "$OUT" "nothing written on refusal"
done
run_stdin "x" "$KSCIPHER" encrypt --keystore ec.p12 --alias ec --password-file pw
expect_rc 4 "refuse EC key"
assert_contains "$ERR" "RSA" "EC refusal says RSA"

# Decryption is never blocked by key usage: Java with no check writes for node.jks? Java
# refuses too (non-critical KU is allowed by Java), so make the value with Java there.
printf 'RSA plain %s\n' "$b64" > one.txt
java_peer encrypt JKS node.jks "$P" mykey < one.txt > node_ct.txt || fail "Java encrypt (non-critical KU)"
run_stdin "$(cat node_ct.txt)" "$KSCIPHER" decrypt --keystore node.jks --alias mykey --password-file pw
expect_rc 0 "decrypt with a key lacking Data Encipherment"
assert_eq "$plain" "$OUT" "decrypted despite key usage"

# Expired certificate: encrypts with a warning.
run_stdin "x" "$KSCIPHER" encrypt --keystore expired.p12 --alias old --password-file pw
expect_rc 0 "encrypt to expired certificate"
assert_contains "$ERR" "expired" "warns about expiry"

# Too long: the limit is in the message.
long=$(head -c 300 /dev/zero | tr '\0' a)
run_stdin "$long" "$KSCIPHER" encrypt "${KEY[@]}"
expect_rc 3 "value too long"
assert_contains "$ERR" "245" "names the PKCS#1 limit"
run_stdin "$long" "$KSCIPHER" encrypt "${KEY[@]}" --transformation RSA/ECB/OAEPwithSHA1andMGF1Padding
assert_contains "$ERR" "214" "names the OAEP limit"
assert_not_contains "$ERR" "$long" "no plaintext in the message"

# Damaged ciphertext: exit 3 and nothing on stdout.
good=$(sed -n 1p java_ct.txt)
damaged="${good:0:100}A${good:101}"
[[ "$damaged" != "$good" ]] || damaged="${good:0:100}B${good:101}"
run_stdin "$damaged" "$KSCIPHER" decrypt "${KEY[@]}"
expect_rc 3 "damaged ciphertext"
assert_eq "" "$OUT" "no output for a damaged ciphertext"
run_stdin "hello" "$KSCIPHER" decrypt "${KEY[@]}"
expect_rc 3 "not a ciphertext"

# Wrong password, alias without a private key, unknown alias, unknown transformation.
echo -n nope > badpw
run_stdin "x" "$KSCIPHER" encrypt --keystore ks.p12 --alias mykey --password-file badpw
expect_rc 3 "wrong password"
run_stdin "x" "$KSCIPHER" encrypt --keystore ks.p12 --alias onlycert --password-file pw
expect_rc 3 "trusted certificate alias"
assert_contains "$ERR" "not a private key" "says it is not a private key"
run_stdin "x" "$KSCIPHER" encrypt --keystore ks.p12 --alias nosuch --password-file pw
expect_rc 3 "unknown alias"
run_stdin "x" "$KSCIPHER" encrypt "${KEY[@]}" --transformation RSA/ECB/NoPadding
expect_rc 2 "unknown transformation"

# Plain values without --transformation: OAEP-SHA1, OAEP-SHA256, then PKCS#1 v1.5 are tried
# (the Micro Integrator cipher tool writes plain OAEP values; the secure-vault one PKCS#1).
: > java_plain.txt
for t in "${transformations[@]}"; do echo "$t plain $b64" >> java_plain.txt; done
java_peer encrypt PKCS12 ks.p12 "$P" mykey < java_plain.txt > java_plain_ct.txt || fail "Java encrypt (plain)"
i=0
while read -r t _; do
  i=$((i + 1))
  run_stdin "$(sed -n "${i}p" java_plain_ct.txt)" "$KSCIPHER" decrypt "${KEY[@]}"
  expect_rc 0 "decrypt Java's plain $t without --transformation"
  assert_eq "$plain" "$OUT" "plaintext of Java's plain $t, padding found by trial"
done < java_plain.txt

# Carbon 4.4's textbook RSA (BouncyCastle "RSA" = SunJCE RSA/ECB/NoPadding): decrypt only, on request.
printf 'RSA/ECB/NoPadding plain %s\n' "$b64" > textbook.txt
java_peer encrypt PKCS12 ks.p12 "$P" mykey < textbook.txt > textbook_ct.txt || fail "Java encrypt (NoPadding)"
for t in RSA/ECB/NoPadding RSA/NONE/NoPadding rsa/ecb/nopadding; do
  run_stdin "$(cat textbook_ct.txt)" "$KSCIPHER" decrypt "${KEY[@]}" --transformation "$t"
  expect_rc 0 "decrypt a textbook RSA value with $t"
  assert_eq "$plain" "$OUT" "textbook RSA plaintext is the block without its leading zeros ($t)"
done
run_stdin "$(cat textbook_ct.txt)" "$KSCIPHER" decrypt "${KEY[@]}"
expect_rc 3 "a textbook value is not guessed (no integrity)"
assert_contains "$ERR" "RSA/ECB/NoPadding" "the hint names the transformation for Carbon 4.4 values"
for t in RSA/ECB/NoPadding RSA/NONE/NoPadding; do
  run_stdin "x" "$KSCIPHER" encrypt "${KEY[@]}" --transformation "$t"
  expect_rc 2 "encrypt refuses $t"
  assert_contains "$ERR" "decrypt only" "says $t is for decrypt only"
  assert_eq "" "$OUT" "nothing written for $t"
done

# A self-contained value that does not open names the certificate it was made for and
# the alias of the keystore that has it (exit 3).
make_key two.p12 first "$P" PKCS12 "${DE_EXT[@]}"
keytool -genkeypair -alias second -keyalg RSA -keysize 2048 -dname CN=second -storetype PKCS12 \
  -keystore two.p12 -storepass "$P" "${DE_EXT[@]}" >/dev/null 2>&1 || fail "keytool second key"
tp_second=$(keytool_sha1 two.p12 "$P" second)
printf 'RSA/ECB/OAEPwithSHA1andMGF1Padding self-contained %s\n' "$b64" > sc.txt
java_peer encrypt PKCS12 two.p12 "$P" second < sc.txt > sc_ct.txt || fail "Java encrypt (self-contained)"
run_stdin "$(cat sc_ct.txt)" "$KSCIPHER" decrypt --keystore two.p12 --alias first --password-file pw
expect_rc 3 "self-contained value for another alias"
assert_contains "$ERR" "$tp_second" "names the thumbprint the value was made for"
assert_contains "$ERR" "alias 'second'" "names the alias that has that certificate"
assert_eq "" "$OUT" "no output for a value of another key"
run_stdin "$(cat sc_ct.txt)" "$KSCIPHER" decrypt --keystore two.p12 --alias second --password-file pw
expect_rc 0 "the named alias decrypts it"
assert_eq "$plain" "$OUT" "plaintext with the alias the error named"
run_stdin "$(cat sc_ct.txt)" "$KSCIPHER" decrypt "${KEY[@]}"
expect_rc 3 "self-contained value for a key of another keystore"
assert_contains "$ERR" "$tp_second" "names the thumbprint when no alias has it"
assert_contains "$ERR" "no entry of ks.p12" "says the keystore does not have it"

# Password from the environment and from stdin (first line), never from argv.
export KS_PASS="$P"; run_stdin "$plain" "$KSCIPHER" encrypt --keystore ks.p12 --alias mykey --password-env KS_PASS
expect_rc 0 "password from env"
run_stdin "$P
$plain" "$KSCIPHER" encrypt --keystore ks.p12 --alias mykey --password-stdin
expect_rc 0 "password from stdin"
printf 'RSA %s\n' "$OUT" > one.txt
assert_eq "$b64" "$(java_peer decrypt PKCS12 ks.p12 "$P" mykey "$P" < one.txt)" "value after the password line"
done_testing
