#!/usr/bin/env bash
# kscipher configure/change/verify/check on a product home: only the secret values'
# bytes change, Java decrypts every new value, the file is never lost.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
H="$WORK/home"
make_home "$H"
SEC="$H/repository/resources/security"
CONF="$H/repository/conf/deployment.toml"
make_key "$SEC/wso2carbon.jks" wso2carbon wso2carbon JKS "${DE_EXT[@]}"

# The real default deployment.toml when ../shared is here, else one of the same shape.
if have_wso2_fixtures; then
  cp "$WSO2_FIXTURES/deployment.toml" base.toml
else
  echo "skipped: configure on the real default deployment.toml (no ../shared/fixtures); one of the same shape instead"
  cat > base.toml <<'TOML'
[server]
hostname = "localhost"
#offset=0
server_role = "default"

[super_admin]
username = "admin"
password = "admin"
create_admin_account = true

[database.apim_db]
type = "h2"
url = "jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"
username = "wso2carbon"
password = "wso2carbon"

[keystore.tls]
file_name =  "wso2carbon.jks"
type =  "JKS"
password =  "wso2carbon"
alias =  "wso2carbon"
key_password =  "wso2carbon"

[[apim.gateway.environment]]
name = "Default"
type = "hybrid"

[apim.key_manager]
enable_apikey_subscription_validation = true
TOML
fi
# [secrets] in the MIDDLE: before the 5th table header, with comments inside,
# a trailing comment, indentation, a literal string, escapes, non-ASCII.
cat > secrets.block <<'TOML'
# secrets managed by kscipher
[secrets]
# the admin password
admin_password = "[admin]"   # trailing comment stays
  db_password = '[wso2carbon]'
"ü✓" = "[pässwörd]"
escaped = "[tab\there]"

TOML
n=$(grep -n '^\[' base.toml | sed -n 5p | cut -d: -f1)
{ head -n $((n - 1)) base.toml; cat secrets.block; tail -n +"$n" base.toml; echo; echo '[extra_after]'; echo 'ref = "$secret{admin_password}"'; } > "$CONF"
chmod 640 "$CONF"
cp "$CONF" original.toml

# --dry-run lists and writes nothing.
run_capture "$KSCIPHER" configure --home "$H" --dry-run
expect_rc 0 "dry run"
for a in admin_password db_password 'ü✓' escaped; do assert_contains "$OUT" "$a" "dry run lists $a"; done
cmp -s "$CONF" original.toml || fail "dry run changed the file"; ok

run_capture "$KSCIPHER" configure --home "$H" --backup
expect_rc 0 "configure"
cmp -s "$CONF.bak" original.toml || fail "backup differs from the original"; ok
assert_eq "640" "$(stat -c %a "$CONF")" "mode kept"

# Byte-for-byte: masking the four values in both files gives the same bytes.
mask() { sed -E 's/^(admin_password = |  db_password = |"ü✓" = |escaped = )("[^"]*"|'"'"'[^'"'"']*'"'"')/\1V/' "$1"; }
diff <(mask original.toml) <(mask "$CONF") >/dev/null || { diff <(mask original.toml) <(mask "$CONF") | head; fail "bytes other than the values changed"; }
ok
assert_contains "$(cat "$CONF")" '"   # trailing comment stays' "trailing comment kept"

# Java decrypts every new value (plain format, transformation RSA) to the TOML-decoded text.
vals() { sed -nE 's/^(admin_password|  db_password|"ü✓"|escaped) = "([^"]*)".*/\2/p' "$CONF"; }
[[ $(vals | wc -l) == 4 ]] || fail "expected 4 encrypted values"; ok
vals | sed 's/^/RSA /' > ct.txt
java_peer decrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon wso2carbon < ct.txt | while read -r b; do echo "$b" | base64 -d; echo; done > plain.txt
assert_eq "$(printf 'admin\nwso2carbon\npässwörd\ntab\there')" "$(cat plain.txt)" "Java decrypts every configured value"

# A second run changes nothing.
cp "$CONF" after1.toml
run_capture "$KSCIPHER" configure --home "$H"
expect_rc 0 "second configure"
assert_contains "$OUT" "nothing to encrypt" "second run says nothing to do"
cmp -s "$CONF" after1.toml || fail "second run changed the file"; ok

# verify: ok, prints no plaintext.
run_capture "$KSCIPHER" verify --home "$H"
expect_rc 0 "verify"
assert_not_contains "$OUT$ERR" "pässwörd" "verify prints no plaintext"

# verify tries every padding on a plain value: a plain OAEP secret (as the Micro Integrator
# cipher tool writes) is fine without --transformation.
cp "$CONF" before_oaep.toml
run_stdin "oaep-secret" "$KSCIPHER" change db_password --home "$H" --transformation RSA/ECB/OAEPwithSHA1andMGF1Padding
expect_rc 0 "change to a plain OAEP value"
run_capture "$KSCIPHER" verify --home "$H"
expect_rc 0 "verify a plain OAEP secret without --transformation"
run_capture "$KSCIPHER" verify --home "$H" --transformation RSA
expect_rc 1 "verify with a named transformation uses that one only"
cp before_oaep.toml "$CONF"

# change one secret; Java reads the new value.
run_stdin "n3w-sécret" "$KSCIPHER" change db_password --home "$H"
expect_rc 0 "change"
sed -nE 's/^  db_password = "([^"]*)".*/RSA \1/p' "$CONF" > one.txt
assert_eq "$(printf 'n3w-sécret' | base64 -w0)" "$(java_peer decrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon wso2carbon < one.txt)" "changed value"
run_stdin "x" "$KSCIPHER" change nosuch --home "$H"
expect_rc 3 "change of an unknown alias"

# Self-contained format with OAEP: Java reads it too.
sed -i 's/^admin_password = "[^"]*"/admin_password = "[admin2]"/' "$CONF"
run_capture "$KSCIPHER" configure --home "$H" --format self-contained --transformation RSA/ECB/OAEPwithSHA1andMGF1Padding
expect_rc 0 "configure self-contained"
sed -nE 's/^admin_password = "([^"]*)".*/RSA \1/p' "$CONF" > one.txt
assert_eq "$(printf admin2 | base64 -w0)" "$(java_peer decrypt JKS "$SEC/wso2carbon.jks" wso2carbon wso2carbon wso2carbon < one.txt)" "self-contained value"

# verify finds problems: a plaintext value and an unresolved reference -> exit 1.
cp "$CONF" good.toml
sed -i 's/^escaped = "[^"]*"/escaped = "[leftover]"/' "$CONF"
echo 'other = "$secret{nosuch}"' >> "$CONF"
run_capture "$KSCIPHER" verify --home "$H"
expect_rc 1 "verify with problems"
assert_contains "$OUT" "escaped" "names the plaintext secret"
assert_contains "$OUT" "nosuch" "names the unresolved reference"
assert_not_contains "$OUT$ERR" "leftover" "no plaintext printed"
cp good.toml "$CONF"

# Malformed TOML: exit 3 with line and column; file untouched.
printf 'broken = = 1\n' >> "$CONF"
cp "$CONF" broken.toml
run_capture "$KSCIPHER" configure --home "$H"
expect_rc 3 "malformed TOML"
assert_contains "$ERR" "deployment.toml:" "names the file"
[[ "$ERR" =~ :[0-9]+:[0-9]+ ]] || fail "no line:column in [$ERR]"; ok
cmp -s "$CONF" broken.toml || fail "malformed file was changed"; ok
cp good.toml "$CONF"

# Missing keystore, wrong password.
mv "$SEC/wso2carbon.jks" "$SEC/away.jks"
sed -i 's/^escaped = "[^"]*"/escaped = "[again]"/' "$CONF"
run_capture "$KSCIPHER" configure --home "$H"
expect_rc 3 "missing keystore"
assert_contains "$ERR" "wso2carbon.jks" "names the missing keystore"
mv "$SEC/away.jks" "$SEC/wso2carbon.jks"
echo -n wrong > badpw
run_capture "$KSCIPHER" configure --home "$H" --password-file badpw
expect_rc 3 "wrong password"

# check: without a truststore the product cannot start; with one the default layout passes;
# a primary key without Data Encipherment is an error.
run_capture "$KSCIPHER" check --home "$H"
expect_rc 1 "check without client-truststore.jks"
assert_contains "$OUT" "client-truststore.jks" "names the missing truststore"
keytool -exportcert -alias wso2carbon -keystore "$SEC/wso2carbon.jks" -storepass wso2carbon -file ca.cer >/dev/null 2>&1
keytool -importcert -noprompt -alias ca -file ca.cer -keystore "$SEC/client-truststore.jks" -storetype JKS \
  -storepass wso2carbon >/dev/null 2>&1
run_capture "$KSCIPHER" check --home "$H"
expect_rc 0 "check on a good home"
make_key "$SEC/bad.jks" bad wso2carbon JKS "${NO_DE_CRIT[@]}"
printf '\n[keystore.primary]\nfile_name = "bad.jks"\ntype = "JKS"\npassword = "wso2carbon"\nalias = "bad"\nkey_password = "wso2carbon"\n' >> "$CONF"
run_capture "$KSCIPHER" check --home "$H"
expect_rc 1 "check finds the missing Data Encipherment"
assert_contains "$OUT" "Data Encipherment" "check names Data Encipherment"
run_capture "$KSCIPHER" configure --home "$H"
expect_rc 4 "configure refuses the key without Data Encipherment"
assert_contains "$ERR" "bad.jks" "refusal names the keystore"
# configure warns about a [secrets] value that is neither "[plaintext]" nor ciphertext
# (typed without its brackets): named by alias and line, never printed.
H2="$WORK/home2"; make_home "$H2"
cp "$SEC/wso2carbon.jks" "$H2/repository/resources/security/"
printf '[secrets]\nfine = "[fine-value]"\nforgot = "no-brackets-typed"\n' > "$H2/repository/conf/deployment.toml"
for dry in --dry-run ""; do
  run_capture "$KSCIPHER" configure --home "$H2" $dry
  expect_rc 0 "configure $dry with a value that is neither plaintext nor ciphertext"
  assert_contains "$ERR" "warning: secret 'forgot'" "configure $dry warns about it"
  assert_contains "$ERR" "line 3" "the warning names the line"
  assert_not_contains "$OUT$ERR" "no-brackets-typed" "the value is not printed"
  assert_not_contains "$ERR" "'fine'" "a plaintext value is not warned about"
done
run_capture "$KSCIPHER" configure --home "$H2"
assert_not_contains "$ERR" "'fine'" "an encrypted value is not warned about"

# A separate internal keystore configured, no migration yet: verify says which secrets are
# still under the primary key and that ksmigrate run moves them.
H3="$WORK/home3"; make_home "$H3"; S3="$H3/repository/resources/security"; C3="$H3/repository/conf/deployment.toml"
make_key "$S3/wso2carbon.jks" wso2carbon wso2carbon JKS "${DE_EXT[@]}"
make_key "$S3/internal.p12" internal internalpw PKCS12 "${DE_EXT[@]}"
printf '[secrets]\nadmin_password = "[admin-pw]"\n' > "$C3"
run_capture "$KSCIPHER" configure --home "$H3"
expect_rc 0 "configure under the primary key"
run_capture "$KSCIPHER" verify --home "$H3"
expect_rc 0 "verify before a separate internal keystore"
printf '\n[keystore.internal]\nfile_name = "internal.p12"\ntype = "PKCS12"\nalias = "internal"\npassword = "internalpw"\nkey_password = "internalpw"\n' >> "$C3"
run_capture "$KSCIPHER" verify --home "$H3"
expect_rc 1 "verify after [keystore.internal], before migrating"
assert_contains "$OUT" "admin_password: still under the primary key" "names the secret still under the primary key"
assert_contains "$OUT" "ksmigrate run" "says ksmigrate run moves it"
assert_not_contains "$OUT$ERR" "admin-pw" "no plaintext printed"
run_capture "$KSCIPHER" verify --home "$H3" --json
expect_rc 1 "verify --json after [keystore.internal]"
assert_eq "primary_key" "$(jq -r '.secrets[0].state' <<<"$OUT")" "JSON state of a secret under the primary key"
# Each command reads deployment.toml once and parses it once: the loaded DeploymentConfig
# carries the text and its [secrets] to every step (issue 12 item 7). Counted as the
# opens of the file for reading.
if strace -qq -o /dev/null true 2>/dev/null; then
  reads_of() {  # FILE CMD...: how many times CMD opened FILE for reading
    local file=$1; shift
    strace -f -qq -e trace=openat -o "$WORK/trace" "$@" >/dev/null 2>&1 </dev/null || true
    grep -c "\"$file\", O_RDONLY" "$WORK/trace" || true
  }
  printf 'fresh_one = "[fresh]"\n' >> "$C3"
  sed -i 's/^\[secrets\]$/[secrets]\nfresh_two = "[fresh2]"/' "$C3"
  assert_eq 1 "$(reads_of "$C3" "$KSCIPHER" configure --home "$H3")" "configure reads deployment.toml once"
  assert_contains "$(cat "$C3")" 'fresh_two = "' "configure under strace did its work"
  assert_not_contains "$(cat "$C3")" '[fresh2]' "configure under strace encrypted the value"
  echo -n new-value > value.txt
  assert_eq 1 "$(strace -f -qq -e trace=openat -o "$WORK/trace" "$KSCIPHER" change fresh_one --home "$H3" < value.txt >/dev/null 2>&1;
                 grep -c "\"$C3\", O_RDONLY" "$WORK/trace")" "change reads deployment.toml once"
  assert_eq 1 "$(reads_of "$C3" "$KSCIPHER" verify --home "$H3")" "verify reads deployment.toml once"
  assert_eq 1 "$(reads_of "$C3" "$KSCIPHER" check --home "$H3")" "check reads deployment.toml once"
else
  echo "skipped: counting the reads of deployment.toml (strace cannot run here)"
fi
done_testing
