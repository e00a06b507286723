#!/usr/bin/env bash
# kscipher check on a product home (no password printed, Data Encipherment of the
# primary keystore, the types the product reads, a table's own password as its key
# password), and the review fixes around it: decrypt's single prompt on a terminal,
# usage errors before --dry-run, keys whose size is not a multiple of 8, and
# configure/change --json.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
H="$WORK/home"
make_home "$H"
SEC="$H/repository/resources/security"
CONF="$H/repository/conf/deployment.toml"
PPW='Prim4ry-StorePw'; IPW='Intern4l-StorePw'
make_key "$SEC/prim.jks" prim "$PPW" JKS "${NO_DE[@]}"
make_key "$SEC/int.p12" int "$IPW" PKCS12 "${DE_EXT[@]}"
make_key "$SEC/good.jks" good "$PPW" JKS "${DE_EXT[@]}"
keytool -exportcert -alias good -keystore "$SEC/good.jks" -storepass "$PPW" -file ca.cer >/dev/null 2>&1
keytool -importcert -noprompt -alias ca -file ca.cer -keystore "$SEC/client-truststore.jks" -storetype JKS \
  -storepass wso2carbon >/dev/null 2>&1 || fail "keytool could not make the truststore"

# primary FILE ALIAS PASSWORD [TYPE]: a [keystore.primary] table without key_password.
primary() { printf '[keystore.primary]\nfile_name = "%s"\ntype = "%s"\npassword = "%s"\nalias = "%s"\n\n' "$1" "${4:-JKS}" "$3" "$2"; }
internal() { printf '[keystore.internal]\nfile_name = "int.p12"\ntype = "PKCS12"\npassword = "%s"\nalias = "int"\n\n' "$IPW"; }
# jq_eq FILTER EXPECTED WHAT: applies FILTER to $OUT.
jq_eq() { assert_eq "$2" "$(jq -r "$1" <<<"$OUT")" "$3"; }

# --- A password with secret text around a placeholder is never printed, in text or JSON.
LEAK='MyS3cretPart'
primary good.jks good "$LEAK\$sys{foo}" > "$CONF"
for json in "" --json; do
  run_capture "$KSCIPHER" check --home "$H" $json
  expect_rc 0 "check with a \$sys{} password $json"
  assert_not_contains "$OUT$ERR" "$LEAK" "check $json does not print the password"
  assert_contains "$OUT" '$sys{foo}' "check $json names the placeholder"
done
jq_eq '[.findings[] | select(.table == "keystore.primary" and .severity == "warning")] | length' 1 "one warning for it"

# --- Data Encipherment of the primary keystore: an error when it encrypts, a warning
# beside a separate internal keystore (the product documentation requires it).
primary prim.jks prim "$PPW" > "$CONF"
run_capture "$KSCIPHER" check --home "$H" --json
expect_rc 1 "primary without Data Encipherment and no internal keystore"
jq_eq '[.findings[] | select(.table == "keystore.primary" and .severity == "error") | .message | select(test("Data Encipherment"))] | length' 1 "an error"
{ primary prim.jks prim "$PPW"; internal; } > "$CONF"
run_capture "$KSCIPHER" check --home "$H" --json
expect_rc 0 "primary without Data Encipherment beside an internal keystore"
jq_eq '[.findings[] | select(.table == "keystore.primary" and .severity == "warning") | .message | select(test("Data Encipherment"))] | length' 1 "a warning"
jq_eq '.errors' 0 "no error"

# --- Types: only JKS and PKCS12 (any case).
for t in JCEKS P12 'PKCS#12'; do
  primary good.jks good "$PPW" "$t" > "$CONF"
  run_capture "$KSCIPHER" check --home "$H"
  expect_rc 1 "check with type $t"
  assert_contains "$OUT" "type '$t' is not one the product reads (JKS or PKCS12)" "type $t is an error"
done
primary good.jks good "$PPW" jks > "$CONF"
run_capture "$KSCIPHER" check --home "$H"
expect_rc 0 "check with type jks"

# --- A table with password and no key_password: its password is its key password
# (not wso2carbon), for check, encrypt/decrypt and verify alike.
{ primary good.jks good "$PPW"; printf '[secrets]\nadmin_password = "[Adm1n-Plain]"\ndb_password = "[Db-Plain-77]"\n'; } > "$CONF"
run_capture "$KSCIPHER" check --home "$H"
expect_rc 0 "check of a table without key_password"
assert_not_contains "$OUT" "differ" "no 'password and key_password differ'"
run_stdin "k3y-pw-test" "$KSCIPHER" encrypt --home "$H"
expect_rc 0 "encrypt"
CT=$OUT
run_stdin "$CT" "$KSCIPHER" decrypt --home "$H"
expect_rc 0 "decrypt with the table's password as key password"
assert_eq "k3y-pw-test" "$OUT" "decrypted value"

# --- configure --json (dry run, then for real) and change --json: aliases and
# actions, never a plaintext or a ciphertext.
cp "$CONF" before.toml
run_capture "$KSCIPHER" configure --home "$H" --dry-run --json
expect_rc 0 "configure --dry-run --json"
jq_eq '[.file, .dry_run] | @tsv' "$CONF	true" "dry-run file and flag"
jq_eq '[.secrets[] | .alias + "=" + .action] | join(",")' "admin_password=would_encrypt,db_password=would_encrypt" "dry-run actions"
cmp -s "$CONF" before.toml || fail "dry run changed the file"; ok
run_capture "$KSCIPHER" configure --home "$H" --json
expect_rc 0 "configure --json"
jq_eq '.dry_run' false "dry_run false"
jq_eq '[.secrets[] | .alias + "=" + .action] | join(",")' "admin_password=encrypted,db_password=encrypted" "actions"
for s in Adm1n-Plain Db-Plain-77 $(sed -nE 's/^(admin|db)_password = "([^"]*)"$/\2/p' "$CONF" | cut -c1-40); do
  assert_not_contains "$OUT$ERR" "$s" "configure --json prints no value"
done
run_capture "$KSCIPHER" verify --home "$H"
expect_rc 0 "verify with the table's password as key password"
sed -i 's/^db_password = .*/db_password = "[Db-Again-88]"/' "$CONF"
run_capture "$KSCIPHER" configure --home "$H" --dry-run --json
jq_eq '[.secrets[] | .alias + "=" + .action] | join(",")' "admin_password=unchanged,db_password=would_encrypt" "dry run after a change"
run_capture "$KSCIPHER" configure --home "$H" --json
jq_eq '[.secrets[] | .alias + "=" + .action] | join(",")' "admin_password=unchanged,db_password=encrypted" "second run"
run_stdin "Chang3d-Plain" "$KSCIPHER" change admin_password --home "$H" --json
expect_rc 0 "change --json"
jq_eq '[.file, .alias, .changed] | @tsv' "$CONF	admin_password	true" "change --json fields"
assert_not_contains "$OUT$ERR" "Chang3d-Plain" "change --json prints no plaintext"
assert_not_contains "$OUT" "$(sed -nE 's/^admin_password = "([^"]*)"$/\1/p' "$CONF" | cut -c1-40)" "change --json prints no ciphertext"
printf '[server]\nhostname = "x"\n' > "$CONF"
run_capture "$KSCIPHER" configure --home "$H" --json
expect_rc 0 "configure --json without [secrets]"
jq_eq '.secrets | length' 0 "no secrets"

# --- --format and --transformation are checked before --dry-run (and before any
# file or password): exit 2 on every path, as without --dry-run.
{ primary good.jks good "$PPW"; printf '[secrets]\na = "[x]"\n'; } > "$CONF"
for dry in --dry-run ""; do
  run_capture "$KSCIPHER" configure --home "$H" $dry --format bogus
  expect_rc 2 "configure $dry --format bogus"
  assert_contains "$ERR" "bogus" "names the format"
  run_capture "$KSCIPHER" configure --home "$H" $dry --transformation nope
  expect_rc 2 "configure $dry --transformation nope"
  run_capture "$KSCIPHER" configure --home "$H" $dry --format bogus --transformation nope
  expect_rc 2 "configure $dry with both"
done

# --- A key size that is not a multiple of 8 (2047 bits: 256-byte blocks).
keytool -genkeypair -alias odd -keyalg RSA -keysize 2047 -dname "CN=odd" -validity 3650 -storetype PKCS12 \
  -keystore odd.p12 -storepass "$PPW" "${DE_EXT[@]}" >/dev/null 2>&1 || fail "keytool could not make a 2047-bit key"
export ODD_PW="$PPW"
for t in RSA RSA/ECB/OAEPwithSHA1andMGF1Padding; do
  run_stdin "odd-size-value" "$KSCIPHER" encrypt --keystore odd.p12 --alias odd --password-env ODD_PW --transformation "$t"
  expect_rc 0 "encrypt with a 2047-bit key ($t)"
  run_stdin "$OUT" "$KSCIPHER" decrypt --keystore odd.p12 --alias odd --password-env ODD_PW --transformation "$t"
  expect_rc 0 "decrypt with a 2047-bit key ($t)"
  assert_eq "odd-size-value" "$OUT" "2047-bit round trip ($t)"
done

# --- decrypt on a terminal: one prompt, "Ciphertext to decrypt:", nothing asked twice.
{ primary good.jks good "$PPW"; } > "$CONF"
run_stdin "on-a-terminal" "$KSCIPHER" encrypt --home "$H"
expect_rc 0 "encrypt for the terminal test"
set +e
CT="$OUT" python3 - "$KSCIPHER" decrypt --home "$H" > tty.log 2>&1 <<'PY'
# Runs the command on a pseudo-terminal: waits for the prompt, types the ciphertext,
# prints the whole session. Exit 90 when the prompt never comes.
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
def read_until(done, seconds):
    global seen
    end = time.time() + seconds
    while not done() and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen += chunk
read_until(lambda: b"Ciphertext to decrypt:" in seen, 30)
if b"Ciphertext to decrypt:" not in seen:
    sys.stdout.write(seen.decode(errors="replace"))
    os.kill(pid, 9)
    sys.exit(90)
os.write(fd, os.environ["CT"].encode() + b"\n")
read_until(lambda: False, 30)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
RC=$?
set -e
ERR=$(cat tty.log)
expect_rc 0 "decrypt on a terminal"
assert_eq 1 "$(grep -o 'Ciphertext to decrypt:' tty.log | wc -l)" "one prompt"
assert_not_contains "$(cat tty.log)" "Repeat" "no second prompt"
assert_contains "$(cat tty.log)" "on-a-terminal" "the plaintext is printed"
# --- WSO2's documented pattern: password and key_password as two $secret{} references to
# equal secrets, encrypted by configure. check decrypts them and compares values.
echo -n "$PPW" > ppw
printf '[keystore.primary]\nfile_name = "good.jks"\ntype = "JKS"\nalias = "good"\npassword = "$secret{keystore_password}"\nkey_password = "$secret{key_password}"\n\n[secrets]\nkeystore_password = "[%s]"\nkey_password = "[%s]"\n' "$PPW" "$PPW" > "$CONF"
run_capture "$KSCIPHER" configure --home "$H" --password-file ppw
expect_rc 0 "configure the keystore passwords"
run_capture "$KSCIPHER" check --home "$H" --password-file ppw
expect_rc 0 "check: two references to equal secrets are fine"
assert_not_contains "$OUT" "differ" "no false 'differ' error"
assert_not_contains "$OUT$ERR" "$PPW" "check prints no password"
sed -i 's/^key_password = "[A-Za-z0-9+\/=]*"$/key_password = "[Other-Pw]"/' "$CONF"
grep -q '^key_password = "\[Other-Pw\]"' "$CONF" || fail "could not set a different key password"; ok
run_capture "$KSCIPHER" check --home "$H" --password-file ppw
expect_rc 1 "check: two references to different secrets"
assert_contains "$OUT" "password and key_password differ" "the real difference is still an error"
assert_not_contains "$OUT$ERR" "Other-Pw" "check prints no password"
done_testing
