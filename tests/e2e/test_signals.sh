#!/usr/bin/env bash
# Signals: SIGKILL and SIGINT during kscipher configure (deployment.toml is always
# either the old or the new version, never partial) and during ksmigrate run with
# the config step (the journal and deployment.toml stay consistent; a later run
# completes; SIGINT/SIGTERM exit 130 after a committed batch).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/migrate_fixture.sh"
cd "$WORK"
make_home "$H"
make_key "$SEC/wso2carbon.jks" wso2carbon wso2carbon JKS "${DE_EXT[@]}"
make_key "$SEC/internal.p12" internal internalpw PKCS12 "${DE_EXT[@]}"
CONFDIR=$(dirname "$CONF")

# 200 secrets: plaintext in the old version, all encrypted in the new one.
{ echo '[server]'; echo 'hostname = "localhost"'; echo; echo '[secrets]'
  for i in $(seq 1 200); do echo "secret_$i = \"[plain-value-$i]\""; done
  echo; echo '[super_admin]'; echo 'password = "$secret{secret_1}"'; } > old.toml
mask() { sed -E 's/^(secret_[0-9]+ = )"[^"]*"/\1V/' "$1"; }
old_mask=$(mask old.toml)

# check_old_or_new WHAT: the file is byte-for-byte the old one, or the whole new one
# (same bytes outside the values, every value encrypted), and parses.
OLD=0; NEW=0
check_old_or_new() {
  if cmp -s "$CONF" old.toml; then OLD=$((OLD + 1)); return; fi
  [[ "$(mask "$CONF")" == "$old_mask" ]] || fail "$1: partial or altered file"
  [[ $(grep -c '^secret_[0-9]* = "[A-Za-z0-9+/=]\{300,\}"$' "$CONF") == 200 ]] || fail "$1: not every value is encrypted"
  "$KSCIPHER" verify --home "$H" >/dev/null || fail "$1: the new file does not verify"
  NEW=$((NEW + 1))
}
LEFTOVERS=0
leftovers_private() {  # a killed writer's temporary file: 0600, or the mode the file gets anyway
  local f
  for f in "$CONFDIR"/.deployment.toml.ksc-*; do
    [[ -e "$f" ]] || continue
    LEFTOVERS=$((LEFTOVERS + 1))
    [[ $(stat -c %a "$f") == 600 || $(stat -c %a "$f") == $(stat -c %a "$CONF") ]] || fail "temporary file $f is $(stat -c %a "$f")"
    rm -f "$f"
  done
}

# --- SIGKILL at random small delays during configure (the whole command takes ~0.1 s).
for i in $(seq 1 30); do
  cp old.toml "$CONF"
  "$KSCIPHER" configure --home "$H" >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  check_old_or_new "SIGKILL #$i"
  leftovers_private
done
ok
[[ $((OLD + NEW)) == 30 ]] || fail "every kill left the old or the new file"; ok
echo "SIGKILL during configure: $OLD old, $NEW new, $LEFTOVERS temporary file(s) left" >&2

# --- SIGINT the same way: exit 130 (or 0 when it finished first), old or new file, and
# no temporary file: the handler removes it before the signal ends the process.
LEFTOVERS=0
for i in $(seq 1 10); do
  cp old.toml "$CONF"
  "$KSCIPHER" configure --home "$H" --backup >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$(( RANDOM % 10 ))"
  kill -INT "$pid" 2>/dev/null || true
  set +e; wait "$pid"; rc=$?; set -e
  [[ $rc == 0 || $rc == 130 ]] || fail "SIGINT during configure: exit $rc"
  check_old_or_new "SIGINT #$i"
  [[ ! -e "$CONF.bak" ]] || { cmp -s "$CONF.bak" old.toml || fail "SIGINT #$i: backup is not the old file"; }
  rm -f "$CONF.bak"
  leftovers_private
done
ok
[[ $LEFTOVERS == 0 ]] || fail "SIGINT during configure left $LEFTOVERS temporary file(s)"; ok
# Finished normally the file is the new version.
cp old.toml "$CONF"
run_capture "$KSCIPHER" configure --home "$H"
expect_rc 0 "configure without a signal"
check_old_or_new "no signal"

# --- ksmigrate run with the config step: SIGKILL twice, SIGINT, SIGTERM, then resume.
printf '[secrets]\nadmin_password = "[admin-pw]"\ndb_password = "[db-pw]"\n' > "$CONF"
"$KSCIPHER" configure --home "$H" >/dev/null || fail "configure the small deployment.toml"
configure_internal_keystore
cp "$CONF" conf.orig
N=1000
make_token_table "$N"
cp "$DB" db.orig
ARGS=(--home "$H" --db "$DB" --targets t.toml --batch-size 20 --jobs 2)
journal_rows() { sqlite3 "$DB" "SELECT count(*) FROM KSMIGRATE_JOURNAL" 2>/dev/null || echo 0; }
run_consistent() {  # WHAT
  sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "$1: database damaged"
  # Journaled rows hold what the run wrote; the others their original bytes.
  assert_eq "$(journal_rows)" "$(sqlite3 "$DB" "ATTACH 'db.orig' AS o; SELECT count(*) FROM IDN_OAUTH2_ACCESS_TOKEN a JOIN o.IDN_OAUTH2_ACCESS_TOKEN b USING (TOKEN_ID) WHERE a.ACCESS_TOKEN IS NOT b.ACCESS_TOKEN")" "$1: changed rows = journal rows"
  if [[ -e "$CONF.ksmigrate.bak" ]]; then cmp -s "$CONF.ksmigrate.bak" conf.orig || fail "$1: config backup differs"
  else cmp -s "$CONF" conf.orig || fail "$1: deployment.toml changed without its backup"; fi
  ok
}
for delay in 0.3 0.7; do
  "$KSMIGRATE" run "${ARGS[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  run_consistent "SIGKILL after ${delay}s"
done
# Each signal once the run has journaled a batch: before that, while the keys load, a
# signal ends the process at once, which is not what this part is about.
journal_grew() { [[ $(journal_rows) -gt $before ]]; }
for sig in INT TERM; do
  before=$(journal_rows)
  "$KSMIGRATE" run "${ARGS[@]}" >/dev/null 2>sig.err &
  pid=$!
  wait_until journal_grew || true   # a run that finished first is fine too (exit 0)
  kill -"$sig" "$pid" 2>/dev/null || true
  set +e; wait "$pid"; rc=$?; set -e
  [[ $rc == 130 || $rc == 0 ]] || fail "SIG$sig during run: exit $rc ($(cat sig.err))"; ok
  if [[ $rc == 130 ]]; then
    assert_contains "$(cat sig.err)" "interrupted" "SIG$sig: says it was interrupted"
    assert_contains "$(cat sig.err)" "run again" "SIG$sig: says how to continue"
  fi
  run_consistent "SIG$sig"
done
run_capture "$KSMIGRATE" run "${ARGS[@]}"
expect_rc 0 "the resumed run completes"
assert_eq "$N" "$(journal_rows)" "every row journaled once"
run_capture "$KSMIGRATE" verify "${ARGS[@]}" --json
expect_rc 0 "verify after the signals"
assert_eq "$N" "$(jq '.targets[0].states.target' <<<"$OUT")" "every value under the target key"
assert_eq 2 "$(jq '.config_secrets.states.target' <<<"$OUT")" "the config secrets under the target key"
sqlite3 "$DB" "SELECT '$OAEP ' || ACCESS_TOKEN FROM IDN_OAUTH2_ACCESS_TOKEN ORDER BY CAST(substr(TOKEN_ID, 2) AS INTEGER)" > back.txt
java_peer decrypt PKCS12 "$SEC/internal.p12" internalpw internal internalpw < back.txt > plain.txt || fail "Java decrypt"
assert_eq "$(cut -d' ' -f3 jin.txt | md5sum)" "$(md5sum < plain.txt)" "Java reads every value as the original"
done_testing
