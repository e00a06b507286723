#!/usr/bin/env bash
# kscipher inspect against keystores made by keytool and openssl: aliases,
# thumbprints and key usage agree with keytool; bad input gets exit 3.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
echo -n 'passwd12#' > pw

make_key de_crit.jks mykey 'passwd12#' JKS -ext "KeyUsage:critical=digitalSignature,keyEncipherment,dataEncipherment"
make_key de.p12 mykey 'passwd12#' PKCS12 "${DE_EXT[@]}"
make_key node.jks mykey 'passwd12#' JKS "${NO_DE_CRIT[@]}"
make_key noext.jks mykey 'passwd12#' JKS
keytool -genkeypair -alias ec -keyalg EC -groupname secp256r1 -dname CN=ec -storetype JKS \
  -keystore noext.jks -storepass 'passwd12#' -keypass 'passwd12#' >/dev/null 2>&1
keytool -exportcert -alias mykey -keystore de.p12 -storepass 'passwd12#' -file de.cer >/dev/null 2>&1
keytool -importcert -noprompt -alias trusted -file de.cer -keystore noext.jks -storepass 'passwd12#' >/dev/null 2>&1

# JSON facts versus keytool, for each store.
for ks in de_crit.jks de.p12 node.jks noext.jks; do
  run_capture "$KSCIPHER" inspect "$ks" --json --password-file pw
  expect_rc 0 "inspect $ks"
  assert_eq "$(keytool_sha1 "$ks" 'passwd12#' mykey)" \
    "$(jq -r '.entries[] | select(.alias=="mykey") | .thumbprint_sha1' <<<"$OUT")" "thumbprint of $ks"
  assert_eq "mykey" "$(jq -r '.entries[] | select(.alias=="mykey") | .alias' <<<"$OUT")" "alias in $ks"
  assert_eq "private_key" "$(jq -r '.entries[] | select(.alias=="mykey") | .kind' <<<"$OUT")" "kind in $ks"
  assert_eq 2048 "$(jq -r '.entries[] | select(.alias=="mykey") | .key_bits' <<<"$OUT")" "key size in $ks"
done

run_capture "$KSCIPHER" inspect de_crit.jks --json --password-file pw
assert_eq 'true true ["digitalSignature","keyEncipherment","dataEncipherment"] true' \
  "$(jq -c -j '.entries[0] | .key_usage.present, " ", .key_usage.critical, " ", .key_usage.bits, " ", .data_encipherment' <<<"$OUT")" \
  "critical key usage with data encipherment"
assert_eq "JKS" "$(jq -r .type <<<"$OUT")" "type"

run_capture "$KSCIPHER" inspect node.jks --json --password-file pw
assert_eq 'true false' "$(jq -j '.entries[0] | .key_usage.critical, " ", .data_encipherment' <<<"$OUT")" \
  "critical key usage without data encipherment"

run_capture "$KSCIPHER" inspect noext.jks --json --password-file pw
assert_eq 3 "$(jq '.entries | length' <<<"$OUT")" "entries of noext.jks"
assert_eq 'false true' "$(jq -j '.entries[] | select(.alias=="mykey") | .key_usage.present, " ", .data_encipherment' <<<"$OUT")" \
  "no KeyUsage means no restriction"
assert_eq 'EC' "$(jq -r '.entries[] | select(.alias=="ec") | .key_algorithm' <<<"$OUT")" "EC key"
assert_eq 'trusted_certificate' "$(jq -r '.entries[] | select(.alias=="trusted") | .kind' <<<"$OUT")" "trusted cert"

# --alias shows one entry; the text lists keys in full first, then trusted certificates one line each.
run_capture "$KSCIPHER" inspect noext.jks --json --alias EC --password-file pw
expect_rc 0 "inspect --alias"
assert_eq 'ec' "$(jq -r '[.entries[].alias] | join(",")' <<<"$OUT")" "--alias keeps one entry"
run_capture "$KSCIPHER" inspect noext.jks --alias nosuch --password-file pw
expect_rc 3 "inspect --alias of a missing alias"
assert_contains "$ERR" "nosuch" "the missing alias is named"
run_capture "$KSCIPHER" inspect noext.jks --password-file pw
expect_rc 0 "inspect text of noext.jks"
assert_contains "$OUT" "Trusted certificates (1): alias, subject, expiry, SHA-1" "trusted certificates counted"
sha1=$(keytool_sha1 noext.jks 'passwd12#' trusted)
assert_eq 1 "$(grep -c "^  trusted  .*  $sha1\$" <<<"$OUT")" "one line per trusted certificate, with its SHA-1"
keys_at=$(grep -n '^mykey  \[private_key\]' <<<"$OUT" | cut -d: -f1)
trusted_at=$(grep -n '^Trusted certificates' <<<"$OUT" | cut -d: -f1)
assert_eq yes "$([[ -n $keys_at && $keys_at -lt $trusted_at ]] && echo yes || echo no)" "keys before trusted certificates"

# Text output flags what cannot encrypt.
run_capture "$KSCIPHER" inspect node.jks --password-file pw
expect_rc 0 "inspect text"
assert_contains "$OUT" "NOT ALLOWED" "text flags missing data encipherment"

# openssl-made PKCS#12, default and legacy.
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 -subj "/CN=ossl" \
  -addext "keyUsage=digitalSignature,keyEncipherment,dataEncipherment" 2>/dev/null
for variant in default legacy; do
  extra=(); [[ $variant == legacy ]] && extra=(-legacy)
  openssl pkcs12 -export "${extra[@]}" -in c.pem -inkey k.pem -name osslkey -out "o_$variant.p12" -passout 'pass:passwd12#'
  run_capture "$KSCIPHER" inspect "o_$variant.p12" --json --password-file pw
  expect_rc 0 "inspect openssl $variant"
  want=$(openssl x509 -in c.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
  assert_eq "$want" "$(jq -r '.entries[] | select(.alias=="osslkey") | .thumbprint_sha1' <<<"$OUT")" "openssl $variant thumbprint"
done

# Bad input: wrong password, garbage, truncation, missing file -> exit 3 naming the file.
echo -n 'wrong' > badpw
run_capture "$KSCIPHER" inspect de_crit.jks --password-file badpw
expect_rc 3 "wrong store password"
assert_contains "$ERR" "de_crit.jks" "error names the file"
assert_contains "$ERR" "password" "error mentions the password"
run_capture "$KSCIPHER" inspect de.p12 --password-file badpw
expect_rc 3 "wrong PKCS#12 password"
head -c 2000 /dev/urandom > garbage.bin
run_capture "$KSCIPHER" inspect garbage.bin --password-file pw
expect_rc 3 "garbage file"
for cut in 4 12 100 1000; do
  head -c $cut de_crit.jks > cut.jks
  run_capture "$KSCIPHER" inspect cut.jks --password-file pw
  expect_rc 3 "JKS truncated at $cut"
  head -c $cut de.p12 > cut.p12
  run_capture "$KSCIPHER" inspect cut.p12 --password-file pw --type PKCS12
  expect_rc 3 "PKCS#12 truncated at $cut"
done
run_capture "$KSCIPHER" inspect missing.jks --password-file pw
expect_rc 3 "missing file"
assert_contains "$ERR" "missing.jks" "missing file named"
run_capture "$KSCIPHER" inspect de_crit.jks
expect_rc 2 "no password source and no terminal"
assert_contains "$ERR" "--password-file" "names the password options"

# The real WSO2 keystores, when ../shared is beside the repository.
if have_wso2_fixtures; then
  echo -n wso2carbon > wso2pw
  run_capture "$KSCIPHER" inspect "$WSO2_FIXTURES/wso2carbon.jks" --json --password-file wso2pw
  expect_rc 0 "wso2carbon.jks"
  assert_eq 145 "$(jq '.entries | length' <<<"$OUT")" "wso2carbon.jks entries"
  assert_eq "2D74F09594030CF7DD28D0292C3882870851950E true" \
    "$(jq -j '.entries[] | select(.alias=="wso2carbon") | .thumbprint_sha1, " ", .data_encipherment' <<<"$OUT")" "wso2carbon key"
  run_capture "$KSCIPHER" inspect "$WSO2_FIXTURES/wso2carbon-2019.jks" --json --password-file wso2pw
  assert_eq "57FF38D97664C792FF8801171F04191DED88778D true" \
    "$(jq -j '.entries[] | select(.alias=="wso2carbon") | .thumbprint_sha1, " ", .expired' <<<"$OUT")" "2019 key expired"
  run_capture "$KSCIPHER" inspect "$WSO2_FIXTURES/client-truststore.jks" --json --password-file wso2pw
  assert_eq "146 0" "$(jq -j '(.entries | length), " ", ([.entries[] | select(.kind=="private_key")] | length)' <<<"$OUT")" "truststore"
else
  echo "skipped: inspect of the real WSO2 keystores (no ../shared/fixtures)"
fi
done_testing
