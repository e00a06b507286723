#!/usr/bin/env bash
# Bad keystores: wrong store/key password, every truncation point class, bit flips
# in the integrity hash / MAC / encrypted key, huge declared lengths, unknown
# algorithms, duplicate aliases, an empty store. Each row: exit 3 (or 0 for the empty
# store), one error line naming the file or alias, no password printed, no crash,
# and the keystore file itself untouched.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
export LC_ALL=C.UTF-8
PW='st0re-Pw#1'; KPW='k3y-Pw#2'; WRONG='wr0ng-Pw#3'
NO_LEAK=("$PW" "$KPW" "$WRONG")
printf '%s' "$PW" > pw; printf '%s' "$KPW" > kpw; printf '%s' "$WRONG" > wrong

# Made once: JKS (key password differs), PKCS#12, JCEKS, a JKS with two keys, openssl without MAC.
keytool -genkeypair -alias k -keyalg RSA -keysize 2048 -dname CN=k -storetype JKS -keystore a.jks \
  -storepass "$PW" -keypass "$KPW" >/dev/null 2>&1 || fail keytool
make_key a.p12 k "$PW" PKCS12
keytool -importkeystore -srckeystore a.jks -srcstorepass "$PW" -srcalias k -srckeypass "$KPW" \
  -destkeystore a.jceks -deststoretype JCEKS -deststorepass "$PW" -destkeypass "$PW" >/dev/null 2>&1 || fail "keytool jceks"
make_key two.jks k1 "$PW" JKS
make_key two.jks k2 "$PW" JKS
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 -subj /CN=k 2>/dev/null
openssl pkcs12 -export -nomac -in c.pem -inkey k.pem -name k -out nomac.p12 -passout "pass:$PW"
CT=$(printf 'hello' | "$KSCIPHER" encrypt --keystore a.jks --alias k --password-file pw) || fail "encrypt with a.jks"
CT12=$(printf 'hello' | "$KSCIPHER" encrypt --keystore nomac.p12 --alias k --password-file pw) || fail "encrypt with nomac.p12"
size() { stat -c %s "$1"; }

# inspect_bad FILE NEEDLE WHAT: inspect fails with exit 3 naming NEEDLE; FILE unchanged.
inspect_bad() {
  local sum; sum=$(md5sum < "$1")
  run_capture timeout 20 "$KSCIPHER" inspect "$1" --password-file "${PWFILE:-pw}"
  expect_error 3 "$2" "$3"
  assert_eq "$sum" "$(md5sum < "$1")" "$3: file untouched"
}
# decrypt_bad FILE CIPHERTEXT NEEDLE WHAT [extra args]: decrypt needs the private key.
decrypt_bad() {
  local f=$1 ct=$2 needle=$3 what=$4; shift 4
  run_stdin "$ct" timeout 20 "$KSCIPHER" decrypt --keystore "$f" --alias k --password-file "${PWFILE:-pw}" "$@"
  expect_error 3 "$needle" "$what"
}

# --- Wrong store password, each format; wrong key password (JKS key password differs).
for f in a.jks a.p12 a.jceks; do
  PWFILE=wrong inspect_bad "$f" "$f" "wrong store password for $f"
  assert_contains "$ERR" "password" "$f: says the password may be wrong"
done
decrypt_bad a.jks "$CT" "alias 'k'" "wrong key password" --key-password-file wrong
assert_contains "$ERR" "key password" "says which password failed"
run_stdin "$CT" "$KSCIPHER" decrypt --keystore a.jks --alias k --password-file pw --key-password-file kpw
expect_rc 0 "right key password"; assert_eq hello "$OUT" "decrypts with the right key password"
PWFILE=wrong decrypt_bad nomac.p12 "$CT12" nomac.p12 "PKCS#12 without MAC, wrong password"

# --- Truncation. Unsealed: the integrity check / ASN.1 framing catches every cut.
for f in a.jks a.p12 a.jceks; do
  n=$(size "$f")
  for cut in 0 1 3 4 8 11 12 20 31 64 200 $((n / 2)) $((n - 21)) $((n - 20)) $((n - 1)); do
    head -c "$cut" "$f" > cut.ks
    inspect_bad cut.ks cut.ks "$f cut at $cut"
  done
done
# Sealed again after the cut (valid hash): the JKS/JCEKS parser meets the cut in every
# field class: header, tag, alias length, alias, date, key length, key, chain count,
# certificate type, certificate length, certificate, at every byte of the first 48
# and the 40 around the end of the key, then every 61st byte.
for f in a.jks a.jceks; do
  body_len=$(( $(size "$f") - 20 ))
  kl=$(( 16#$(xxd -s 27 -l 4 -p "$f") ))   # key length field of entry 1 (alias "k")
  cuts=$( { seq 0 47; seq $((31 + kl - 4)) $((31 + kl + 36)); seq 48 61 $((body_len - 1)); } | sort -nu | awk -v m="$body_len" '$1 < m')
  for cut in $cuts; do
    head -c "$cut" "$f" > body; jks_seal body "$PW" cut.ks
    run_capture timeout 20 "$KSCIPHER" inspect cut.ks --password-file pw
    [[ $RC == 3 ]] || fail "$f sealed cut at $cut: exit $RC ($ERR)"
    [[ $(grep -c ' error: ' <<<"$ERR") == 1 && "$ERR" == *cut.ks* ]] || fail "$f sealed cut at $cut: [$ERR]"
  done
  ok
done
# PKCS#12 has no seal to redo: cut everywhere at a coarser step.
n=$(size a.p12)
for cut in $(seq 2 41 $((n - 1))); do
  head -c "$cut" a.p12 > cut.p12
  run_capture timeout 20 "$KSCIPHER" inspect cut.p12 --password-file pw
  [[ $RC == 3 && $(grep -c ' error: ' <<<"$ERR") == 1 && "$ERR" == *cut.p12* ]] || fail "a.p12 cut at $cut: exit $RC [$ERR]"
done
ok

# --- Bit flips: integrity hash, MAC, encrypted key (sealed / no MAC), MAC salt.
cp a.jks f.jks; flip_byte f.jks $(( $(size a.jks) - 5 ))
inspect_bad f.jks f.jks "flipped JKS integrity hash"
cp a.jks f.jks; flip_byte f.jks 100
inspect_bad f.jks f.jks "flipped byte under the JKS hash"
cp a.p12 f.p12; flip_byte f.p12 $(( $(size a.p12) - 40 ))
inspect_bad f.p12 f.p12 "flipped PKCS#12 MAC"
cp a.p12 f.p12; flip_byte f.p12 $(( $(size a.p12) - 10 ))
inspect_bad f.p12 f.p12 "flipped PKCS#12 MAC salt"
cp a.p12 f.p12; flip_byte f.p12 $(( $(size a.p12) / 2 ))
inspect_bad f.p12 f.p12 "flipped byte under the PKCS#12 MAC"
head -c -20 a.jks > body; flip_byte body 131; jks_seal body "$PW" fk.jks
decrypt_bad fk.jks "$CT" "alias 'k'" "flipped JKS encrypted key (sealed)" --key-password-file kpw
assert_contains "$ERR" "fk.jks" "names the keystore"
head -c -20 a.jceks > body; flip_byte body 200; jks_seal body "$PW" fk.jceks
run_stdin "$CT" "$KSCIPHER" decrypt --keystore fk.jceks --alias k --password-file pw
expect_error 3 "fk.jceks" "flipped JCEKS encrypted key (sealed)"
cp nomac.p12 fk.p12; flip_byte fk.p12 $(( $(size nomac.p12) - 200 ))
decrypt_bad fk.p12 "$CT12" "fk.p12" "flipped PKCS#12 encrypted key (no MAC)"

# --- Huge declared lengths: refused at once (time and memory bounded by timeout/ulimit).
# An AddressSanitizer build reserves terabytes of shadow address space, so the
# address-space limit only applies to the plain build.
VLIMIT=1000000
grep -qa __asan_init "$KSCIPHER" && VLIMIT=unlimited
huge() {  # BODY-OFFSET BYTES WHAT
  head -c -20 a.jks > body; patch_bytes body "$1" "$2"; jks_seal body "$PW" huge.jks
  run_capture bash -c 'ulimit -v "$0"; exec timeout 10 "$@"' "$VLIMIT" "$KSCIPHER" inspect huge.jks --password-file pw
  expect_error 3 huge.jks "$3"
}
kl=$(( 16#$(xxd -s 27 -l 4 -p a.jks) ))
huge 8 '\x7f\xff\xff\xff' "huge JKS entry count"
huge 16 '\xff\xff' "huge alias length"
huge 27 '\xff\xff\xff\xf0' "huge key length"
huge $((31 + kl)) '\x7f\xff\xff\xff' "huge chain length"
huge $((31 + kl + 4 + 2 + 5)) '\xff\xff\xff\xf0' "huge certificate length"
{ printf '\x30\x84\x7f\xff\xff\xff'; tail -c +5 a.p12; } > huge.p12
inspect_bad huge.p12 huge.p12 "huge PKCS#12 outer length"
{ printf '\x30\x89\xff\xff\xff\xff\xff\xff\xff\xff\xff'; tail -c +5 a.p12; } > huge.p12
inspect_bad huge.p12 huge.p12 "PKCS#12 length of 9 length bytes"

# --- Unknown algorithms / versions / tags.
oid_off() {  # FILE HEX -> byte offset of the last occurrence
  xxd -p "$1" | tr -d '\n' | grep -bo "$2" | tail -n1 | cut -d: -f1 | awk '{ print $1 / 2 }'
  true
}
o=$(oid_off a.jks 2b060104012a02110101)   # 1.3.6.1.4.1.42.2.17.1.1
head -c -20 a.jks > body; patch_bytes body $((o + 9)) '\x09'; jks_seal body "$PW" alg.jks
inspect_bad alg.jks "alg.jks" "unknown JKS key protection algorithm"
assert_contains "$ERR" "1.3.6.1.4.1.42.2.17.1.9" "names the algorithm"
head -c -20 a.jks > body; patch_bytes body 4 '\x00\x00\x00\x07'; jks_seal body "$PW" ver.jks
inspect_bad ver.jks ver.jks "unknown JKS version"
head -c -20 a.jks > body; patch_bytes body 12 '\x00\x00\x00\x09'; jks_seal body "$PW" tag.jks
inspect_bad tag.jks tag.jks "unknown JKS entry tag"
head -c -20 a.jks > body; patch_bytes body $((31 + kl + 4 + 2)) 'Y'; jks_seal body "$PW" ctype.jks
inspect_bad ctype.jks ctype.jks "unknown certificate type"
o=$(oid_off a.p12 608648016503040201)       # sha256, the MAC digest
cp a.p12 alg.p12; patch_bytes alg.p12 $((o + 8)) '\x09'
inspect_bad alg.p12 alg.p12 "unknown PKCS#12 MAC algorithm"
assert_contains "$ERR" "2.16.840.1.101.3.4.2.9" "names the MAC algorithm"
o=$(oid_off nomac.p12 60864801650304012a)  # aes-256-cbc of the key bag (PBES2), no MAC to redo
if [[ -n "$o" ]]; then
  cp nomac.p12 alg2.p12; patch_bytes alg2.p12 $((o + 8)) '\x3f'
  decrypt_bad alg2.p12 "$CT12" alg2.p12 "unknown PBES2 cipher"
fi

# --- Duplicate aliases: listed once as Java keeps them (the last entry), with a warning; refused as a key.
head -c -20 two.jks > body
o=$(xxd -p body | tr -d '\n' | grep -bo 00026b32 | head -n1 | cut -d: -f1)   # alias "k2": u16 length 2, "k2"
o=$((o / 2 + 3))
patch_bytes body "$o" '1'; jks_seal body "$PW" dup.jks
run_capture "$KSCIPHER" inspect dup.jks --password-file pw
expect_rc 0 "inspect lists a store with a duplicate alias"
assert_eq 1 "$(grep -c '^k1 ' <<<"$OUT")" "the alias listed once, as keytool lists it"
assert_contains "$ERR" "appears 2 times" "the repetition is reported"
assert_contains "$OUT" "alias repeated 2 times" "the entry says it is repeated"
run_stdin "x" "$KSCIPHER" encrypt --keystore dup.jks --alias k1 --password-file pw
expect_error 3 "k1" "encrypting with a duplicated alias is refused"
assert_contains "$ERR" "dup.jks" "names the keystore"
assert_eq "" "$OUT" "no ciphertext printed"

# --- Empty store and empty file.
cp a.p12 empty.p12; keytool -delete -alias k -keystore empty.p12 -storepass "$PW" >/dev/null 2>&1
cp a.jks empty.jks; keytool -delete -alias k -keystore empty.jks -storepass "$PW" >/dev/null 2>&1
for f in empty.jks empty.p12; do
  run_capture "$KSCIPHER" inspect "$f" --password-file pw --json
  expect_rc 0 "inspect $f"
  assert_eq 0 "$(jq '.entries | length' <<<"$OUT")" "$f has no entries"
  run_stdin "x" "$KSCIPHER" encrypt --keystore "$f" --alias k --password-file pw
  expect_error 3 "'k'" "encrypt with an empty $f"
  assert_contains "$ERR" "$f" "names the empty keystore"
done
: > zero.jks
inspect_bad zero.jks zero.jks "a zero-byte keystore"

# --- The same damage through ksmigrate (the target keystore): exit 3, database untouched.
sqlite3 m.db "CREATE TABLE IDN_SECRET (ID VARCHAR(255) PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000)); INSERT INTO IDN_SECRET VALUES ('1','n','x')"
cp m.db m.before
run_capture "$KSMIGRATE" plan --db m.db --no-config --from-keystore a.p12 --from-alias k --from-password-file pw \
  --to-keystore f.p12 --to-alias k --to-password-file pw
expect_error 3 f.p12 "ksmigrate with a damaged target keystore"
run_capture "$KSMIGRATE" run --db m.db --no-config --from-keystore a.p12 --from-alias k --from-password-file pw \
  --to-keystore a.jceks --to-alias k --to-password-file wrong
expect_error 3 a.jceks "ksmigrate run with a wrong target password"
cmp -s m.db m.before || fail "database changed"; ok
[[ -z $(ls m.db.ksmigrate* 2>/dev/null) ]] || fail "ksmigrate left files after refusing: $(ls m.db.*)"; ok
done_testing
