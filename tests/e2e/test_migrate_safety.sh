#!/usr/bin/env bash
# ksmigrate: the paths that used to let an operator strand data. No database means an
# explicit --config-only; an explicit target must be the key the product will load;
# the databases are migrated before deployment.toml, and a stop says what changed;
# rollback after finalize names the backups; finalize names every backup and --vacuum
# gives the journal's space back.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_migration_home
configure_internal_keystore
N=20
make_token_table "$N"
T=(--home "$H" --db "$DB" --targets t.toml)
cp "$CONF" conf.orig
sqlite3 "$DB" .dump > db.orig
backups() { ls "$DB".ksmigrate-*.bak 2>/dev/null || true; }
untouched() {
  cmp -s conf.orig "$CONF" || fail "$1: deployment.toml changed"; ok
  assert_eq "$(cat db.orig)" "$(sqlite3 "$DB" .dump)" "$1: database unchanged"
}

# --- No database: a usage error naming --db and --config-only, for every job that
# changes or judges the data. Nothing written.
for job in plan run verify rollback finalize; do
  run_capture "$KSMIGRATE" "$job" --home "$H" --targets t.toml
  expect_error 2 "no database given" "$job without --db"
  assert_contains "$ERR" "--config-only" "$job: the hint names --config-only"
  assert_contains "$ERR" "--db" "$job: the hint names --db"
done
untouched "jobs without a database"
run_capture "$KSMIGRATE" run "${T[@]}" --config-only
expect_error 2 "exclude each other" "--config-only with --db"

# --- plan's report: folders checked before the scan; a refused target still gets its
# reports; advice agrees with the verdict.
run_capture "$KSMIGRATE" plan "${T[@]}" --json "$WORK/no/such/dir/plan.json"
expect_error 3 "$WORK/no/such/dir" "a report folder that does not exist"
make_key "$WORK/node.p12" node nodepw PKCS12 "${NO_DE_CRIT[@]}"
run_capture "$KSMIGRATE" plan "${T[@]}" --to-keystore "$WORK/node.p12" --to-alias node --to-password-file <(printf nodepw) \
  --json refused.json --markdown refused.md
expect_rc 4 "a target key without Data Encipherment"
assert_contains "$(jq -r '.problems[0]' refused.json)" "Data Encipherment" "the JSON report holds the refusal"
assert_eq false "$(jq .target.data_encipherment refused.json)" "and the target's facts"
assert_contains "$(cat refused.md)" "Data Encipherment" "the Markdown report too"
run_capture "$KSMIGRATE" plan "${T[@]}" --json clean.json --markdown clean.md
expect_rc 0 "plan of a clean database"
# What a change ticket needs.
assert_eq "3 GO $DB $((N + 2)) $N" "$(jq -r '"\(.schema_version) \(.verdict) \(.databases[0]) \(.totals.to_reencrypt) \(.run_writes.databases[0].values)"' clean.json)" "ticket fields"
[[ $(jq -r .generated_at clean.json) =~ ^20[0-9-]+T[0-9:]+Z$ ]] || fail "generated_at is not UTC ISO-8601"; ok
assert_eq "$("$KSMIGRATE" --version | cut -d' ' -f2)" "$(jq -r .tool_version clean.json)" "tool version"
assert_contains "$(jq -r .command_line clean.json)" "plan --home $H --db $DB" "the command line"
assert_eq "$(hostname)" "$(jq -r .host clean.json)" "the host"
assert_contains "$(jq -r '.prerequisites[]' clean.json)" "Stop every product node" "prerequisites"
assert_eq true "$(jq '.run_writes.databases[0].journal_bytes_estimate > 0 and .run_writes.databases[0].backup_bytes > 0' clean.json)" "what run writes"
assert_eq true "$(jq '.target.not_after | test("^2[0-9]{3}-")' clean.json)" "key validity"
assert_contains "$(cat clean.md)" "**Verdict: GO**" "Markdown verdict"
assert_contains "$(cat clean.md)" '```toml' "TOML advice in a code fence"
assert_contains "$(cat clean.md)" "## Prerequisites" "Markdown prerequisites"
assert_contains "$(jq -r '.advice[]' clean.json)" "next: ksmigrate run" "a clean plan says run next"
assert_contains "$(jq -r '.advice[]' clean.json)" "[keystore.primary]" "and offers the documented shortcut"

# --- kscipher check's keystore rules apply to the keys of a migration: a PKCS#12
# key_password typo loads here but would stop the product.
sed 's/^key_password = "internalpw"/key_password = "internalpw-typo"/' "$CONF" > typo.toml
run_capture "$KSMIGRATE" plan "${T[@]}" --config typo.toml --json typo.json
expect_rc 1 "plan with a key_password typo"
assert_contains "$(jq -r '.problems[0]' typo.json)" "[keystore.internal] password and key_password differ" "listed before the scan"
run_capture "$KSMIGRATE" run "${T[@]}" --config typo.toml
expect_error 4 "password and key_password differ" "run refuses it"
untouched "keystore rule refusal"

# --- The target must be the key the product will use.
printf 'otherpw' > otherpw.txt
OTHER=(--to-keystore "$WORK/other.p12" --to-alias other --to-password-file otherpw.txt)
run_capture "$KSMIGRATE" plan "${T[@]}" "${OTHER[@]}" --json other.json
expect_rc 1 "plan to a key deployment.toml does not name"
assert_contains "$(jq -r '.problems[0]' other.json)" "not the key the product will use" "plan lists it first"
run_capture "$KSMIGRATE" run "${T[@]}" "${OTHER[@]}"
expect_error 4 "not the key the product will use" "run to a key deployment.toml does not name"
assert_contains "$ERR" "[keystore.internal]" "the hint shows the table to add"
assert_contains "$ERR" "file_name = \"$WORK/other.p12\"" "with the target's file"
untouched "refused target"
assert_eq "" "$(backups)" "no backup made for a refused run"
# The same key in another file (a JKS copy of the product's PKCS#12) is the product's key.
keytool -importkeystore -srckeystore "$SEC/internal.p12" -srcstoretype PKCS12 -srcstorepass internalpw \
  -destkeystore copy.jks -deststoretype JKS -deststorepass internalpw -destkeypass internalpw >/dev/null 2>&1 || fail "keytool copy"
run_capture "$KSMIGRATE" plan "${T[@]}" --to-keystore copy.jks --to-alias internal --to-password-file <(printf internalpw)
expect_rc 0 "plan to a copy of the product's key"

# --- Databases first, deployment.toml last: a stop in the databases leaves it as it was.
damaged=$(enc_source s "broken" | base64 -d | sed -E 's/"c":"(.{20})[^"]*"/"c":"\1AAAA"/' | base64 -w0)
sqlite3 "$DB" "INSERT INTO IDN_OAUTH2_ACCESS_TOKEN VALUES ('t999', '$damaged', 'ACTIVE')"   # sorts last
sqlite3 "$DB" .dump > db.orig
run_capture "$KSMIGRATE" plan "${T[@]}" --json damaged.json
expect_rc 1 "plan with an undecryptable value"
assert_eq NO-GO "$(jq -r .verdict damaged.json)" "the verdict"
assert_not_contains "$(jq -r '.advice[]' damaged.json)" "next: ksmigrate run" "no 'run next' when the plan fails"
assert_not_contains "$(jq -r '.advice[]' damaged.json)" "[keystore.primary]" "no shortcut when not every value is under the source key"
assert_eq "TOKEN_ID=t999 undecryptable" "$(jq -r '.problem_details[] | select(.state=="undecryptable") | "\(.row_key) \(.state)"' damaged.json)" "the row key reads as KEY=value"
run_capture "$KSMIGRATE" run "${T[@]}" --batch-size 5 --no-backup
expect_error 4 "t999" "run stops at the damaged value"
cmp -s conf.orig "$CONF" || fail "deployment.toml changed by a run that stopped in the databases"; ok
[[ ! -e "$CONF.ksmigrate.bak" ]] || fail "a stopped run made a deployment.toml backup"; ok
assert_contains "$ERR" "So far: $N value(s) re-encrypted in $DB; deployment.toml not changed" "the stop says what changed"
assert_contains "$ERR" "ksmigrate rollback" "names rollback"
assert_contains "$ERR" "run again" "names running again"
sqlite3 "$DB" "DELETE FROM IDN_OAUTH2_ACCESS_TOKEN WHERE TOKEN_ID = 't999'"
run_capture "$KSMIGRATE" run "${T[@]}" --no-backup
expect_rc 0 "the resumed run finishes"
assert_contains "$ERR" "resuming: $N value(s) already re-encrypted in $DB" "a resumed run says so"
cmp -s conf.orig "$CONF.ksmigrate.bak" || fail "deployment.toml not migrated (with its backup) at the end"; ok
assert_contains "$OUT" "[secrets] of $CONF: 2 value(s) re-encrypted" "config step after the databases"
# plan reads the journal: an unfinalized migration comes first, with the way out.
run_capture "$KSMIGRATE" plan "${T[@]}" --json journal.json
expect_rc 1 "plan with an unfinalized migration in the database"
assert_contains "$(jq -r '.problems[0]' journal.json)" "holds an unfinalized migration from $(keytool_sha1 "$SEC/wso2carbon.jks" wso2carbon wso2carbon)" "reported first, with the keys"
assert_contains "$(jq -r '.advice[]' journal.json)" "ksmigrate rollback" "advises finalize or rollback"
assert_not_contains "$(jq -r '.advice[]' journal.json)" "next: ksmigrate run" "and not run"

# --- rollback, a second run with a backup, finalize: every backup named, space given back.
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 0 "rollback"
run_capture "$KSMIGRATE" run "${T[@]}" --backup first.bak
expect_rc 0 "run with --backup"
assert_contains "$ERR" "backup written to $PWD/first.bak" "run names its backup (as an absolute path) before the first batch"
run_capture "$KSMIGRATE" status "${T[@]}"
[[ $OUT =~ "started at "[0-9T:-]+Z", finished at " ]] || fail "status: started before finished: $OUT"; ok
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 0 "rollback again"
run_capture "$KSMIGRATE" run "${T[@]}"
expect_rc 0 "run with the default backup"
default_backup=$(backups)
[[ -n $default_backup ]] || fail "no default backup beside the database"; ok
run_capture "$KSMIGRATE" rollback "${T[@]}"
run_capture "$KSMIGRATE" run "${T[@]}" --no-backup
expect_rc 0 "a third run"
size_before=$(stat -c %s "$DB")
run_capture "$KSMIGRATE" finalize "${T[@]}" --vacuum
expect_rc 0 "finalize --vacuum"
assert_contains "$OUT" "backup kept at $default_backup" "finalize names the default backup of an earlier, rolled back run"
assert_contains "$OUT" "vacuumed;" "says it vacuumed"
(( $(stat -c %s "$DB") < size_before )) || fail "VACUUM did not shrink the file"; ok
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'KSMIGRATE%'")" "no journal table left"

# --- rollback after finalize: exit 1, says the journal is gone, names the backups.
run_capture "$KSMIGRATE" rollback "${T[@]}"
expect_rc 1 "rollback after finalize"
assert_contains "$OUT" "no journal, so nothing was rolled back" "says the journal is gone"
assert_contains "$OUT" "finalized" "says it may have been finalized"
assert_contains "$OUT" "$default_backup" "names the backup that holds the old values"

# --- Databases that are not the product's: one short line each.
{ printf 'H:2,block:2,blockSize:1000,chunk:1,created:18c,format:1\n'; head -c 4000 /dev/zero; } > WSO2AM_DB.mv.db
run_capture "$KSMIGRATE" plan --home "$H" --db WSO2AM_DB.mv.db
expect_error 3 "this is an H2 database (WSO2's embedded default), not SQLite" "an H2 file"
sqlite3 other.db "CREATE TABLE foo (a)"
run_capture "$KSMIGRATE" run --home "$H" --db other.db
expect_error 3 "none of the 12 targets can be scanned" "an SQLite database that is not the product's"
(( ${#ERR} < 600 )) || fail "the error for a foreign database is long: ${#ERR} characters"; ok

# --- Visibility: --version, the targets a profile or a file holds.
run_capture "$KSMIGRATE" --version
expect_rc 0 "--version"
assert_contains "$OUT" "ksmigrate 0." "names the program and version"
run_capture "$KSCIPHER" --version
expect_rc 0 "kscipher --version"
assert_eq "$(cut -d' ' -f2 <<<"$OUT")" "$("$KSMIGRATE" --version | cut -d' ' -f2)" "one version for both programs"
run_capture "$KSMIGRATE" targets --profile list
assert_eq "wso2-apim-4" "$OUT" "profiles listed"
run_capture "$KSMIGRATE" targets --json
expect_rc 0 "targets of the default profile"
assert_eq "12 json-encrypted-values" "$(jq -r '"\(length) \(.[] | select(.table=="AM_KEY_MANAGER") | .kind)"' <<<"$OUT")" "the default profile"
run_capture "$KSMIGRATE" targets --targets t.toml
assert_contains "$OUT" "IDN_OAUTH2_ACCESS_TOKEN.ACCESS_TOKEN" "the targets file's target"
assert_contains "$OUT" "key:   TOKEN_ID" "with its key"
done_testing
