#!/usr/bin/env bash
# ksmigrate: every refusal of run comes before anything is written (deployment.toml
# included); rollback keeps a deployment.toml (or a row) changed after the run and
# exits 1; verify notes absent tables without failing; a key that does not match its
# certificate is bad input; a database given twice is used once; explicit JKS key
# passwords; foreign config values are left as run leaves foreign database values;
# SIGTERM/SIGINT end plan, verify and a config-only run with 130; status never
# creates the lock file.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
configure_internal_keystore
N=20
make_token_table "$N"
T=(--home "$H" --db "$DB" --targets t.toml)
printf 'otherpw' > otherpw.txt
OTHER=(--to-keystore "$WORK/other.p12" --to-alias other --to-password-file otherpw.txt)
cp "$CONF" conf.orig
sqlite3 "$DB" .dump > db.orig

backups() { ls "$DB".ksmigrate-*.bak 2>/dev/null || true; }
# Nothing changed anywhere: deployment.toml's bytes, no backup of it, the database.
untouched() {
  cmp -s conf.orig "$CONF" || fail "$1: deployment.toml changed"; ok
  [[ ! -e "$CONF.ksmigrate.bak" && ! -e "$CONF.ksmigrate.sha256" ]] || fail "$1: deployment.toml backup made"; ok
  assert_eq "$(cat db.orig)" "$(sqlite3 "$DB" .dump)" "$1: database unchanged"
}

# --- 1. An existing --backup FILE is refused before deployment.toml is touched.
echo "older backup" > taken.bak
run_capture "$KSMIGRATE" run "${T[@]}" --backup taken.bak
expect_error 4 taken.bak "an existing --backup file"
untouched "existing --backup file"
assert_eq "older backup" "$(cat taken.bak)" "the existing backup is not overwritten"

# A deployment.toml value that does not decrypt: refused with no database backup left.
cp "$CONF" conf.good
junk=$(head -c 256 /dev/urandom | base64 -w0)
sed -i "s|^db_password = .*|db_password = \"$junk\"|" "$CONF"; cp "$CONF" conf.orig
run_capture "$KSMIGRATE" run "${T[@]}"
expect_error 4 db_password "an undecryptable deployment.toml value"
untouched "undecryptable config value"
assert_eq "" "$(backups)" "no database backup left after the refusal"
cp conf.good "$CONF"; cp "$CONF" conf.orig

# An unfinished run from key A to key B, then a run to key C: refused before the
# config step (which would have moved deployment.toml to C) and before any backup.
damaged=$(enc_source s "broken" | base64 -d | sed -E 's/"c":"(.{20})[^"]*"/"c":"\1AAAA"/' | base64 -w0)
sqlite3 "$DB" "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('t999', '$damaged', 'ACTIVE')"
run_capture "$KSMIGRATE" run "${T[@]}" --no-config --no-backup
expect_rc 4 "the A->B run stops at the damaged value"
run_capture "$KSMIGRATE" status "${T[@]}" --json
assert_eq false "$(jq '.databases[0].finished' <<<"$OUT")" "the A->B run is unfinished"
sqlite3 "$DB" .dump > db.orig
# (deployment.toml names key C as internal, or the run would be refused for that.)
sed -e "s|^file_name = \"internal.p12\"|file_name = \"$WORK/other.p12\"|" -e 's/^alias = "internal"/alias = "other"/' \
  -e 's/internalpw/otherpw/g' "$CONF" > conf.c; cp conf.c conf.c.orig
run_capture "$KSMIGRATE" run "${T[@]}" --config conf.c "${OTHER[@]}"
expect_error 4 "the journal holds a run from key" "a run to another target key"
untouched "journal of another key pair"
cmp -s conf.c.orig conf.c || fail "deployment.toml naming key C changed"; ok
assert_eq "" "$(backups)" "no database backup made"
run_capture "$KSMIGRATE" rollback "${T[@]}" --no-config
expect_rc 0 "rollback of the empty A->B run"
sqlite3 "$DB" "DELETE FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 't999'"
sqlite3 "$DB" .dump > db.orig

# --- 7. status reads the lock without making one.
run_capture "$KSMIGRATE" status "${T[@]}" --json
expect_rc 0 "status"
assert_eq false "$(jq '.databases[0].running' <<<"$OUT")" "status: not running"
[[ ! -e "$DB.ksmigrate.lock" ]] || fail "status created the lock file"; ok

# --- 5. The same database twice (two spellings): counted once, and run does not
# lock itself out.
dbdir=$(dirname "$DB")
run_capture "$KSMIGRATE" plan --home "$H" --db "$DB" --db "$dbdir/./$(basename "$DB")" --targets t.toml --json dup.json
expect_rc 0 "plan with the database twice"
assert_eq "1 $N" "$(jq -r '[(.targets | length), .targets[0].rows] | join(" ")' dup.json)" "the database counted once"
assert_contains "$ERR" "used once" "says the second one is the same database"
run_capture "$KSMIGRATE" run --home "$H" --db "$DB" --db "$DB" --targets t.toml
expect_rc 0 "run with the database twice"
assert_contains "$OUT" "$N value(s) re-encrypted" "run migrated the database once"

# --- 2. rollback keeps a deployment.toml edited after the run.
record="$CONF.ksmigrate.sha256"
[[ -f "$record" ]] || fail "run recorded no hash of the deployment.toml it wrote"; ok
assert_eq 600 "$(stat -c %a "$record")" "the record is 0600"
(cd "$(dirname "$CONF")" && sha256sum -c --quiet "$(basename "$record")") || fail "the record is not sha256sum's format"; ok
sed -i 's/^hostname = "localhost"/hostname = "edited.example.com"/' "$CONF"
cp "$CONF" conf.edited
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 1 "rollback with deployment.toml edited since the run"
assert_contains "$OUT" "problem: $CONF changed after the run" "lists deployment.toml as a problem"
assert_contains "$OUT" "$CONF.ksmigrate.bak" "names the backup to compare with"
cmp -s conf.edited "$CONF" || fail "rollback overwrote the edited deployment.toml"; ok
cmp -s conf.orig "$CONF.ksmigrate.bak" || fail "the backup is no longer the file before the run"; ok
assert_eq "$(cat db.orig)" "$(sqlite3 "$DB" .dump)" "the database was still rolled back"
# The operator puts the old file back by hand: the next rollback only tidies up.
cp "$CONF.ksmigrate.bak" "$CONF"
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 0 "rollback after the file was put back by hand"
[[ ! -e "$CONF.ksmigrate.bak" && ! -e "$record" ]] || fail "backup or record left behind"; ok
# Not edited: restored, as before.
run_capture "$KSMIGRATE" run "${T[@]}"
expect_rc 0 "run again"
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 0 "rollback of an unedited deployment.toml"
cmp -s conf.orig "$CONF" || fail "rollback did not restore deployment.toml"; ok
[[ ! -e "$record" ]] || fail "rollback left the record"; ok

# --- 3. verify: a table in none of the databases is a note, not a failure.
run_capture "$KSMIGRATE" run "${T[@]}" --no-backup
expect_rc 0 "run before verify"
{ cat t.toml; printf '[[target]]\ntable = "NO_SUCH_TABLE"\ncolumn = "X"\n'; } > absent.toml
run_capture "$KSMIGRATE" verify --home "$H" --db "$DB" --targets absent.toml
expect_rc 0 "verify with a table in none of the databases"
assert_contains "$ERR" "note: nothing to verify for NO_SUCH_TABLE" "the absent table is a note on stderr"
assert_not_contains "$OUT" "problem:" "not listed as a problem"
assert_contains "$OUT" "verified: every value found is readable" "says what was verified"
run_capture "$KSMIGRATE" verify --home "$H" --db "$DB" --targets absent.toml --json
expect_rc 0 "verify --json with an absent table"
assert_eq 0 "$(jq '.problems | length' <<<"$OUT")" "no problem in the JSON"
v=$(enc_source s "late"); sqlite3 "$DB" "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('t998', '$v', 'ACTIVE')"
run_capture "$KSMIGRATE" verify --home "$H" --db "$DB" --targets absent.toml
expect_rc 1 "verify with a value still under the source key"
assert_contains "$OUT" "1 value(s) not readable under the target key" "counts the unreadable value"
sqlite3 "$DB" "DELETE FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 't998'"
run_capture "$KSMIGRATE" finalize "${T[@]}"
expect_rc 0 "finalize"
[[ ! -e "$record" ]] || fail "finalize left the record"; ok
cp "$CONF" conf.orig   # its secrets are now under the internal key

# --- 4. A private key that does not match its certificate: malformed keystore, exit 3.
cat > Mismatch.java <<'JAVA'
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.security.KeyStore;
import java.security.cert.Certificate;
// args: keyStore keyAlias keyPass certStore certAlias certPass out (PKCS12, alias k, password keyPass)
public class Mismatch {
  static KeyStore load(String f, String p) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(f)) { ks.load(in, p.toCharArray()); }
    return ks;
  }
  public static void main(String[] a) throws Exception {
    KeyStore k = load(a[0], a[2]), c = load(a[3], a[5]), out = KeyStore.getInstance("PKCS12");
    out.load(null, a[2].toCharArray());
    out.setKeyEntry("k", k.getKey(a[1], a[2].toCharArray()), a[2].toCharArray(), new Certificate[] {c.getCertificate(a[4])});
    try (FileOutputStream o = new FileOutputStream(a[6])) { out.store(o, a[2].toCharArray()); }
  }
}
JAVA
java Mismatch.java "$WORK/other.p12" other otherpw "$SEC/internal.p12" internal internalpw mismatch.p12 || fail "Java mismatch store"
run_capture "$KSMIGRATE" plan "${T[@]}" --to-keystore mismatch.p12 --to-alias k --to-password-file otherpw.txt
expect_error 3 "does not match its certificate" "target key not matching its certificate"
run_capture "$KSMIGRATE" plan "${T[@]}" --from-keystore mismatch.p12 --from-alias k --from-password-file otherpw.txt "${OTHER[@]}"
expect_error 3 "does not match its certificate" "source key not matching its certificate"
make_key node.p12 node nodepw PKCS12 "${NO_DE_CRIT[@]}"; printf 'nodepw' > nodepw.txt
run_capture "$KSMIGRATE" plan "${T[@]}" --to-keystore node.p12 --to-alias node --to-password-file nodepw.txt
expect_error 4 "Data Encipherment" "a target without Data Encipherment is still refused"

# --- 8. JKS keys whose key password differs from the store's, on both sides.
cp "$SEC/wso2carbon.jks" src.jks
keytool -keypasswd -alias wso2carbon -keystore src.jks -storepass wso2carbon -keypass wso2carbon -new srckeypw >/dev/null 2>&1 ||
  fail "keytool -keypasswd"
keytool -importkeystore -srckeystore "$SEC/internal.p12" -srcstoretype PKCS12 -srcstorepass internalpw -srcalias internal \
  -destkeystore dst.jks -deststoretype JKS -deststorepass dststorepw -destkeypass dstkeypw >/dev/null 2>&1 || fail "keytool dst.jks"
printf 'wso2carbon' > srcpw.txt; printf 'srckeypw' > srckeypw.txt; printf 'dststorepw' > dstpw.txt; printf 'dstkeypw' > dstkeypw.txt
EXPL=(--from-keystore src.jks --from-alias wso2carbon --from-password-file srcpw.txt
      --to-keystore dst.jks --to-alias internal --to-password-file dstpw.txt)
run_capture "$KSMIGRATE" plan "${T[@]}" "${EXPL[@]}" --from-key-password-file srckeypw.txt
expect_error 3 "dst.jks" "without --to-key-password-file the target key does not open"
run_capture "$KSMIGRATE" plan "${T[@]}" "${EXPL[@]}" --to-key-password-file dstkeypw.txt
expect_error 3 "src.jks" "without --from-key-password-file the source key does not open"
run_capture "$KSMIGRATE" plan "${T[@]}" "${EXPL[@]}" --from-key-password-file srckeypw.txt --to-key-password-file dstkeypw.txt --json keys.json
expect_rc 0 "explicit JKS keys with their own key passwords"
assert_eq "$N" "$(jq '.targets[0].states.target' keys.json)" "every value under the target key"
for s in srckeypw dstkeypw dststorepw; do assert_not_contains "$OUT$ERR" "$s" "no key password ($s) printed"; done

# --- 9. A foreign value in [secrets]: run leaves it and exits 0, as for databases.
fv=$(printf 'other-secret' | "$KSCIPHER" encrypt --keystore "$WORK/other.p12" --alias other --password-file otherpw.txt \
  --format self-contained --transformation "$OAEP") || fail "kscipher encrypt with other.p12"
sed -i "s|^db_password = .*|db_password = \"$fv\"|" "$CONF"
run_capture "$KSMIGRATE" plan "${T[@]}" --json foreign.json
expect_rc 1 "plan lists the foreign config value"
assert_eq 1 "$(jq '.config_secrets.states.foreign' foreign.json)" "counted as foreign"
run_capture "$KSMIGRATE" run "${T[@]}" --no-backup
expect_rc 0 "run with a foreign config value"
assert_contains "$OUT" "1 foreign value(s) left as they are" "run reports the foreign value"
assert_not_contains "$OUT" "problem:" "not a problem for run"
assert_eq "db_password = \"$fv\"" "$(grep '^db_password' "$CONF")" "the foreign value is left as it is"
run_capture "$KSMIGRATE" finalize "${T[@]}"
expect_rc 0 "finalize after the foreign run"

# --- 2 (databases). A row the product changed after the run is kept and is a problem
# too (exit 1), like deployment.toml.
v=$(enc_source s "conflict"); sqlite3 "$DB" "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('t997', '$v', 'ACTIVE')"
run_capture "$KSMIGRATE" run "${T[@]}" --no-backup
expect_rc 0 "run of one more row"
sqlite3 "$DB" "UPDATE IDN_OAUTH2_ACCESS_TOKEN SET ACCESS_TOKEN = 'written-by-the-product' WHERE TOKEN_ID = 't997'"
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 1 "rollback with a row changed since the run"
assert_contains "$OUT" "problem: $DB: IDN_OAUTH2_ACCESS_TOKEN.ACCESS_TOKEN key" "lists the changed row as a problem"
assert_eq written-by-the-product "$(sqlite3 "$DB" "SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 't997'")" \
  "the product's value is kept"
run_capture "$KSMIGRATE" finalize "${T[@]}"
expect_rc 0 "finalize keeps the product's value"
sqlite3 "$DB" "DELETE FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 't997'"

# --- 6. Signals: plan and verify stop between batches with 130 (not 143); a run whose
# only step is deployment.toml stops with 130 too.
# Half the rows under the source key (plan decrypts them), half under the target key
# (verify decrypts them): each job has seconds of RSA work to be interrupted in.
v=$(enc_source s "bulk")
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
  INSERT INTO IDN_OAUTH2_ACCESS_TOKEN SELECT 'big' || i, CASE i % 2 WHEN 0 THEN '$v' ELSE
    (SELECT ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 't1') END, 'ACTIVE' FROM n"
signal_midway() {  # SIGNAL READY-FILE READY-TEXT CMD...: waits for READY-TEXT, signals, sets RC/ERR
  local sig=$1 ready=$2 text=$3; shift 3
  "$@" >sig.out 2>sig.err &
  local pid=$! i
  for i in $(seq 1 600); do grep -q -- "$text" "$ready" 2>/dev/null && break; sleep 0.05; done
  sleep 0.3
  kill "-$sig" "$pid" 2>/dev/null || true
  set +e; wait "$pid"; RC=$?; set -e
  ERR=$(cat sig.err)
}
# plan/verify print nothing before the scan: their progress lines (every 5 s when not on
# a terminal) are too rare, so wait for the first second of the scan instead.
for job in plan verify; do
  for sig in TERM INT; do
    "$KSMIGRATE" "$job" "${T[@]}" --jobs 1 --batch-size 20 >sig.out 2>sig.err &
    pid=$!
    sleep 2.5
    kill "-$sig" "$pid"
    set +e; wait "$pid"; RC=$?; set -e
    ERR=$(cat sig.err)
    expect_error 130 "interrupted" "SIGINT/SIGTERM ($sig) during $job"
  done
done
# A config-only run: many [secrets] make its config step take seconds. OAEP, not the
# default PKCS#1 v1.5: one of 1000 v1.5 blocks also opens under the other key about
# once in 70 runs, and run then refuses it as ambiguous (exit 4) before any signal.
{ sed '/^\[secrets\]/q' conf.good
  for i in $(seq 1 1000); do echo "bulk_$i = \"[bulk-value-$i]\""; done
  sed '1,/^\[secrets\]/d' conf.good; } > big.toml
"$KSCIPHER" configure --home "$H" --config big.toml --role primary --transformation RSA/ECB/OAEPwithSHA1andMGF1Padding \
  >/dev/null || fail "kscipher configure big.toml"
cp big.toml big.before
signal_midway INT sig.out "target key:" "$KSMIGRATE" run --home "$H" --config big.toml --config-only
expect_error 130 "interrupted" "SIGINT during a config-only run"
cmp -s big.before big.toml || fail "an interrupted config step changed deployment.toml"; ok
[[ ! -e big.toml.ksmigrate.bak ]] || fail "an interrupted config step left a backup"; ok
done_testing
