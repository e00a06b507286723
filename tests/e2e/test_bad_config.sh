#!/usr/bin/env bash
# Bad deployment.toml: malformed TOML, duplicate keys/tables, [secrets] absent,
# non-UTF-8 bytes, a NUL, a read-only file or folder, a folder where the file should
# be, disk full while writing. Each row: the exit code, one error line naming the
# file, no secret printed, and the file byte-for-byte (and mode) as it was, with no
# temporary file left beside it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
H="$WORK/home"
make_home "$H"
SEC="$H/repository/resources/security"
CONFDIR="$H/repository/conf"
CONF="$CONFDIR/deployment.toml"
make_key "$SEC/wso2carbon.jks" wso2carbon wso2carbon JKS "${DE_EXT[@]}"
NO_LEAK=(wso2carbon 'S3cr3t-Plain' 'Other-Plain')

# with_conf TEXT: writes deployment.toml (printf escapes) and remembers it.
with_conf() { printf "$1" > "$CONF"; chmod 640 "$CONF"; cp -p "$CONF" conf.before; }
unchanged() {  # WHAT
  cmp -s "$CONF" conf.before || fail "$1: deployment.toml changed"
  assert_eq "$(stat -c '%a %u %g' conf.before)" "$(stat -c '%a %u %g' "$CONF")" "$1: mode and owner kept"
  assert_eq "deployment.toml" "$(ls -A "$CONFDIR" | grep -v '^deployment.toml.bak$' | tr '\n' ' ' | sed 's/ $//')" "$1: no temporary file left"
}
# each_command WHAT CODE NEEDLE: configure, verify and change all fail the same way.
each_command() {
  run_capture "$KSCIPHER" configure --home "$H" --backup
  expect_error "$2" "$3" "$1 (configure)"; unchanged "$1 (configure)"
  [[ ! -e "$CONF.bak" ]] || fail "$1: a backup was written"; ok
  run_capture "$KSCIPHER" verify --home "$H"
  expect_error "$2" "$3" "$1 (verify)"
  run_stdin "Other-Plain" "$KSCIPHER" change admin_password --home "$H"
  expect_error "$2" "$3" "$1 (change)"; unchanged "$1 (change)"
}

GOOD='[server]\nhostname = "localhost"\n\n[secrets]\nadmin_password = "[S3cr3t-Plain]"\n'

# --- Malformed TOML: line:column, the hint says nothing was changed.
with_conf "$GOOD"'broken = = 1\n'
each_command "malformed TOML" 3 "deployment.toml:6:"
assert_contains "$ERR" "nothing was changed" "says nothing was changed"
with_conf '[secrets]\nadmin_password = "[S3cr3t-Plain]\n'
each_command "unterminated string" 3 "deployment.toml:2:"

# --- Duplicate keys in [secrets], a duplicate [secrets] table, a duplicate key elsewhere.
with_conf '[secrets]\nadmin_password = "[S3cr3t-Plain]"\nadmin_password = "[Other-Plain]"\n'
each_command "duplicate key in [secrets]" 3 "deployment.toml:3:"
assert_contains "$ERR" "admin_password" "names the duplicated key"
with_conf '[secrets]\nadmin_password = "[S3cr3t-Plain]"\n[server]\nx = 1\n[secrets]\nb = "[Other-Plain]"\n'
each_command "duplicate [secrets] table" 3 "deployment.toml:5:"
with_conf '[server]\nhostname = "a"\nhostname = "b"\n[secrets]\nadmin_password = "[S3cr3t-Plain]"\n'
each_command "duplicate key outside [secrets]" 3 "deployment.toml:3:"

# --- Non-UTF-8 bytes (in a value, in a comment), a NUL byte in a value.
with_conf '[secrets]\nadmin_password = "[S3cr3t-Plain\xff\xfe]"\n'
each_command "Latin-1 bytes in a secret" 3 "deployment.toml:2:"
with_conf '# caf\xe9\n[secrets]\nadmin_password = "[S3cr3t-Plain]"\n'
each_command "Latin-1 byte in a comment" 3 "deployment.toml:1:"
with_conf '[secrets]\nadmin_password = "[S3cr3t-Plain\x00]"\n'
each_command "NUL byte in a secret" 3 "deployment.toml:2:"
with_conf '[secrets]\nadmin_password = "[\xc3\x28]"\n'
each_command "overlong/invalid UTF-8 sequence" 3 "deployment.toml:2:"

# --- [secrets] absent or empty: nothing to do (exit 0, no password needed), the file
# untouched; change names the missing alias; verify finds nothing wrong.
for body in '[server]\nhostname = "h"\n' '[secrets]\n\n[server]\nx = 1\n' ''; do
  with_conf "$body"
  run_capture "$KSCIPHER" configure --home "$H" --password-file /nonexistent
  expect_rc 0 "configure without [secrets] ($body)"
  assert_contains "$OUT" "absent or empty" "says [secrets] is absent or empty"
  unchanged "no [secrets] ($body)"
  run_capture "$KSCIPHER" verify --home "$H"
  expect_rc 0 "verify without [secrets]"
  run_stdin "Other-Plain" "$KSCIPHER" change admin_password --home "$H"
  expect_error 3 "admin_password" "change without [secrets]"
  unchanged "change without [secrets]"
done

# --- A folder where the file should be; a folder where the backup should be; no file.
rm -f "$CONF"; mkdir "$CONF"
run_capture "$KSCIPHER" configure --home "$H"
expect_error 3 "deployment.toml" "deployment.toml is a folder"
run_capture "$KSCIPHER" verify --home "$H"
expect_error 3 "deployment.toml" "verify: deployment.toml is a folder"
run_capture "$KSCIPHER" configure --config "$CONFDIR"
expect_error 3 "conf" "--config names a folder"
[[ -d "$CONF" && -z $(ls -A "$CONF") ]] || fail "the folder was changed"; ok
rmdir "$CONF"
run_capture "$KSCIPHER" configure --home "$H"
expect_error 3 "deployment.toml" "no deployment.toml"
[[ ! -e "$CONF" ]] || fail "a missing deployment.toml was created"; ok
with_conf "$GOOD"
mkdir "$CONF.bak"
run_capture "$KSCIPHER" configure --home "$H" --backup
expect_error 3 "deployment.toml.bak" "backup path is a folder"
cmp -s "$CONF" conf.before || fail "file changed although its backup could not be written"; ok
rmdir "$CONF.bak"

# --- Read-only file / read-only folder: root ignores modes, so run as nobody.
chmod 755 "$WORK" "$H" "$H/repository" "$SEC"; chmod 644 "$SEC"/*
with_conf "$GOOD"
chmod 444 "$CONF"; chmod 1777 "$CONFDIR"; cp -p "$CONF" conf.before
printf wso2carbon > kspw; chmod 644 kspw
run_capture as_nobody "$KSCIPHER" configure --home "$H" --password-file kspw
expect_error 3 "deployment.toml" "read-only deployment.toml"
assert_contains "$ERR" "not writable" "says it is not writable"
unchanged "read-only deployment.toml"
run_stdin "Other-Plain" as_nobody "$KSCIPHER" change admin_password --home "$H"
expect_error 3 "deployment.toml" "change on a read-only deployment.toml"
unchanged "change on a read-only deployment.toml"
chmod 666 "$CONF"; chmod 755 "$CONFDIR"; cp -p "$CONF" conf.before
run_capture as_nobody "$KSCIPHER" configure --home "$H"
expect_error 3 "conf" "writable file in a read-only folder"
assert_contains "$ERR" "cannot create a temporary file in $CONFDIR" "says why"
unchanged "read-only folder"
chmod 000 "$CONF"; cp -p "$CONF" conf.before
run_capture as_nobody "$KSCIPHER" verify --home "$H"
expect_error 3 "deployment.toml" "unreadable deployment.toml"
chmod 640 "$CONF"; chmod 755 "$CONFDIR"

# --- Disk full while writing (file-size limit: kscipher ignores SIGXFSZ itself, so write()
# fails with EFBIG instead of the signal killing it half-way):
# 60 secrets, ~1.5 KiB as plaintext, ~22 KiB encrypted; the limit is 4 KiB.
{ echo '[server]'; echo 'hostname = "localhost"'; echo; echo '[secrets]'
  for i in $(seq 1 60); do echo "s$i = \"[S3cr3t-Plain-$i]\""; done; } > "$CONF"
cp -p "$CONF" conf.before
run_capture bash -c 'ulimit -f 4; exec "$@"' _ "$KSCIPHER" configure --home "$H" --backup
expect_error 3 "deployment.toml" "file-size limit while writing"
assert_contains "$ERR" "unchanged" "says the original is unchanged"
cmp -s "$CONF" conf.before || fail "disk full: deployment.toml changed"; ok
assert_eq "" "$(ls -A "$CONFDIR" | grep -v -x -e deployment.toml -e deployment.toml.bak || true)" "disk full: no temporary file left"
run_capture "$KSCIPHER" configure --home "$H"
expect_rc 0 "configure completes once there is room"
assert_eq 60 "$(grep -c '^s[0-9]* = "[A-Za-z0-9+/=]\{300,\}"$' "$CONF")" "every value encrypted afterwards"
rm -f "$CONF.bak"

# --- ksmigrate with a malformed deployment.toml: exit 3 naming it, the database untouched.
with_conf "$GOOD"'[keystore.internal]\nfile_name = "x.p12"\nbroken\n'
sqlite3 m.db "CREATE TABLE IDN_SECRET (ID VARCHAR(255) PRIMARY KEY, SECRET_NAME VARCHAR(1023), SECRET_VALUE VARCHAR(8000))"
cp m.db m.before
for cmd in plan run; do
  run_capture "$KSMIGRATE" "$cmd" --home "$H" --db m.db
  expect_error 3 "deployment.toml" "ksmigrate $cmd with malformed deployment.toml"
done
unchanged "ksmigrate with malformed deployment.toml"
cmp -s m.db m.before || fail "database changed"; ok
done_testing
