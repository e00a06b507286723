#!/usr/bin/env bash
# Secrets hygiene: every command runs with known plaintexts and passwords; none of
# them appears in stdout, stderr, reports, the journal, backups (other than as the
# encrypted values they were) or files left behind, and every file that may hold
# secrets is 0600.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
umask 022
SPW='Hyg-StorePw-4711'; IPW='Hyg-InternalPw-0815'
P1='Hyg-Plain-Admin-93'; P2='Hyg-Plain-Db-27'; P3='Hyg-Plain-Changed-55'; P4='Hyg-Plain-Row-61'; P5='Hyg-Plain-Single-38'
SECRETS=("$SPW" "$IPW" "$P1" "$P2" "$P3" "$P4" "$P5")
make_home "$H"
make_key "$SEC/wso2carbon.jks" wso2carbon "$SPW" JKS "${DE_EXT[@]}"
make_key "$SEC/internal.p12" internal "$IPW" PKCS12 "${DE_EXT[@]}"
export KS_PW="$SPW" KS_INT_PW="$IPW"
# Passwords only as $env{} placeholders: no file of the home holds one.
cat > "$CONF" <<TOML
[keystore.primary]
file_name = "wso2carbon.jks"
type = "JKS"
password = "\$env{KS_PW}"
alias = "wso2carbon"
key_password = "\$env{KS_PW}"

[secrets]
admin_password = "[$P1]"
db_password = "[$P2]"
TOML
chmod 644 "$CONF"
mkdir out
n=0
run() {  # runs one command, keeps its stdout and stderr under out/
  n=$((n + 1)); set +e; "$@" > "out/$n.out" 2> "out/$n.err" < "${STDIN:-/dev/null}"; RC=$?; set -e
  ERR=$(cat "out/$n.err"); OUT=""
}
printf '%s' "$SPW" > "$WORK/pw"; chmod 600 "$WORK/pw"

# --- kscipher: every command.
run "$KSCIPHER" inspect "$SEC/wso2carbon.jks" --password-env KS_PW;        expect_rc 0 inspect
run "$KSCIPHER" inspect "$SEC/internal.p12" --password-env KS_INT_PW --json; expect_rc 0 "inspect --json"
run "$KSCIPHER" inspect "$SEC/internal.p12" --password-file "$WORK/pw";       expect_rc 3 "inspect with a wrong password"
run "$KSCIPHER" check --home "$H";                                           [[ $RC == 0 || $RC == 1 ]] || fail "check: $RC"
run "$KSCIPHER" configure --home "$H" --dry-run;                             expect_rc 0 "dry run"
run "$KSCIPHER" configure --home "$H" --backup;                              expect_rc 0 configure
assert_eq 600 "$(stat -c %a "$CONF.bak")" "deployment.toml.bak is 0600"
assert_eq 644 "$(stat -c %a "$CONF")" "deployment.toml keeps its mode"
printf '%s' "$P3" > new.txt; STDIN=new.txt run "$KSCIPHER" change db_password --home "$H" --backup; expect_rc 0 change
run "$KSCIPHER" verify --home "$H";        expect_rc 0 verify
run "$KSCIPHER" verify --home "$H" --json; expect_rc 0 "verify --json"
printf '%s' "$P5" > single.txt; STDIN=single.txt run "$KSCIPHER" encrypt --home "$H"; expect_rc 0 encrypt
CT=$(cat "out/$n.out")
echo "$CT" > ct.txt; STDIN=ct.txt run "$KSCIPHER" decrypt --home "$H"; expect_rc 0 decrypt
assert_eq "$P5" "$(cat "out/$n.out")" "decrypt prints the plaintext (its job)"
rm "out/$n.out"   # the one output meant to hold a plaintext
echo "garbage" > bad.txt; STDIN=bad.txt run "$KSCIPHER" decrypt --home "$H"; expect_rc 3 "decrypt of garbage"
STDIN=ct.txt run "$KSCIPHER" decrypt --keystore "$SEC/internal.p12" --alias internal --password-env KS_INT_PW
expect_rc 3 "decrypt with the wrong key"
rm -f "$CONF.bak"

# --- ksmigrate: plan, run, status, verify, rollback, run, finalize.
cat >> "$CONF" <<'TOML'

[keystore.internal]
file_name = "internal.p12"
type = "PKCS12"
password = "$env{KS_INT_PW}"
alias = "internal"
key_password = "$env{KS_INT_PW}"
TOML
sqlite3 "$DB" "CREATE TABLE IDN_SECRET (ID VARCHAR(255) PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000))"
v=$(jenc "$SEC/wso2carbon.jks" JKS "$SPW" wso2carbon "$OAEP" self-contained "$P4")
sqlite3 "$DB" "INSERT INTO IDN_SECRET VALUES ('1', 'n', '$v'), ('2', 'plain', 'not-a-secret')"
chmod 644 "$DB"
printf '[[target]]\ntable = "IDN_SECRET"\ncolumn = "SECRET_VALUE"\nkey = ["ID"]\n' > t.toml
A=(--home "$H" --db "$DB" --targets t.toml)
run "$KSMIGRATE" plan "${A[@]}" --json plan.json --markdown plan.md; [[ $RC == 0 || $RC == 1 ]] || fail "plan: $RC"
run "$KSMIGRATE" plan "${A[@]}" --quick;                            [[ $RC == 0 || $RC == 1 ]] || fail "quick plan: $RC"
run "$KSMIGRATE" run "${A[@]}";      expect_rc 0 "run"
backup=$(ls "$DB".ksmigrate-*.bak)
assert_eq 600 "$(stat -c %a "$backup")" "database backup made by run is 0600"
assert_eq 600 "$(stat -c %a "$CONF.ksmigrate.bak")" "deployment.toml.ksmigrate.bak is 0600"
lock_mode=$(stat -c %a "$DB.ksmigrate.lock" 2>/dev/null || echo none)
[[ $lock_mode == 600 || $lock_mode == none ]] || fail "lock file mode $lock_mode"; ok
assert_eq 644 "$(stat -c %a "$DB")" "database keeps its mode"
cp "$DB" journal-copy.db   # the journal holds old and new ciphertexts
cp "$backup" backup-copy.db; cp "$CONF.ksmigrate.bak" conf-backup-copy.toml
run "$KSMIGRATE" status "${A[@]}";        expect_rc 0 status
run "$KSMIGRATE" status "${A[@]}" --json; expect_rc 0 "status --json"
run "$KSMIGRATE" verify "${A[@]}";        expect_rc 0 verify
run "$KSMIGRATE" verify "${A[@]}" --json; expect_rc 0 "verify --json"
run "$KSMIGRATE" rollback "${A[@]}";      expect_rc 0 rollback
run "$KSMIGRATE" run "${A[@]}" --no-backup; expect_rc 0 "run again"
run "$KSMIGRATE" finalize "${A[@]}";      expect_rc 0 finalize
# Bad input and refusals print no secret either.
run "$KSMIGRATE" plan --home "$H" --db "$DB" --to-keystore "$SEC/internal.p12" --to-alias internal --to-password-file "$WORK/pw"
expect_rc 3 "ksmigrate with a wrong target password"
run "$KSMIGRATE" plan --home "$H" --db "$DB" --to-keystore "$SEC/wso2carbon.jks" --to-alias wso2carbon --to-password-env KS_PW
expect_rc 4 "ksmigrate target = source"

# --- No secret anywhere: outputs, reports, the home (config, backups, database,
# journal copy, lock), temporary files; the work folder minus our own inputs.
for s in "${SECRETS[@]}"; do
  hits=$(grep -rlaF -- "$s" out plan.json plan.md "$H" journal-copy.db backup-copy.db conf-backup-copy.toml "${TMPDIR:-/tmp}"/.deployment.toml.ksc-* 2>/dev/null || true)
  [[ -z "$hits" ]] || fail "secret [$s] found in: $hits"
  # Also as UTF-16 (Java-style password encodings) and Base64 of the plaintext.
  b64=$(printf '%s' "$s" | base64 -w0 | sed 's/=*$//')
  hits=$(grep -rlaF -- "${b64:0:16}" out plan.json plan.md "$H" journal-copy.db backup-copy.db 2>/dev/null || true)
  [[ -z "$hits" ]] || fail "Base64 of [$s] found in: $hits"
done
ok
# Nothing left behind by ksmigrate/kscipher except what is documented.
left=$(cd "$H" && find . -newer "$WORK/pw" -type f | grep -v -x -e ./repository/conf/deployment.toml -e ./repository/database/WSO2AM_DB.db \
  -e "./repository/database/$(basename "$backup")" -e ./repository/database/WSO2AM_DB.db.ksmigrate.lock || true)
assert_eq "" "$left" "no other file left in the home"
[[ -z $(find "$H" -name '.*.ksc-*') ]] || fail "temporary files left"; ok
# Any file that holds ciphertexts of the secrets in the home is 0600 or kept its original mode.
for f in $(find "$H" -type f -newer "$WORK/pw"); do
  m=$(stat -c %a "$f")
  case $f in
    */deployment.toml|*/WSO2AM_DB.db) assert_eq 644 "$m" "$f keeps its mode" ;;
    *) assert_eq 600 "$m" "$f is 0600" ;;
  esac
done
done_testing
