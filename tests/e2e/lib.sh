# Shared helpers for the end-to-end tests: each test_*.sh sources this, runs the
# real binaries against keystores made here by keytool/openssl, and asserts.
set -euo pipefail
export LC_ALL=C.UTF-8   # keytool reads its arguments in the locale's charset

KSC_BIN=${KSC_BIN:?KSC_BIN must point at the build folder}
KSC_SRC=${KSC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KSCIPHER="$KSC_BIN/kscipher"
KSMIGRATE="$KSC_BIN/ksmigrate"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ksc-e2e.XXXXXX")
# Commands a test adds (stopping its database servers) run first.
CLEANUP=()
trap 'for c in "${CLEANUP[@]}"; do eval "$c"; done; [[ -n "${KSC_KEEP:-}" ]] || rm -rf "$WORK"' EXIT
PASSED=0
# TRACED: a command prefix that records the files the command opens (strace) in
# $WORK/trace, or nothing where strace cannot run (then TRACED_SKIP says why);
# opens_of FILE: how many times the traced command opened FILE for reading.
# LeakSanitizer cannot work under ptrace (it aborts the process), so a sanitized
# build's traced command runs without leak checks; untraced runs keep them.
if strace -qq -o /dev/null true 2>/dev/null; then
  TRACED=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=openat -o "$WORK/trace")
  TRACED_SKIP=""
else
  TRACED=(); TRACED_SKIP="strace cannot run here"
fi
opens_of() { grep -c "\"$1\", O_RDONLY" "$WORK/trace" || true; }

fail() { echo "FAIL: $* (work folder: $WORK)" >&2; exit 1; }
ok() { PASSED=$((PASSED + 1)); }
done_testing() { echo "$PASSED passed, 0 failed"; }

assert_eq() {  # expected actual what
  [[ "$1" == "$2" ]] || fail "$3: expected [$1], got [$2]"
  ok
}
assert_contains() {  # haystack needle what
  [[ "$1" == *"$2"* ]] || fail "$3: [$2] not found in [$1]"
  ok
}
assert_not_contains() {
  [[ "$1" != *"$2"* ]] || fail "$3: [$2] unexpectedly found"
  ok
}

# run_capture CMD...: runs, sets RC, OUT (stdout), ERR (stderr); never exits on failure.
run_capture() {
  set +e
  "$@" >"$WORK/.out" 2>"$WORK/.err" </dev/null
  RC=$?
  set -e
  OUT=$(cat "$WORK/.out"); ERR=$(cat "$WORK/.err")
}
# run_stdin INPUT CMD...: the same with INPUT on standard input.
run_stdin() {
  local input=$1; shift
  set +e
  printf '%s' "$input" | "$@" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  set -e
  OUT=$(cat "$WORK/.out"); ERR=$(cat "$WORK/.err")
}
# wait_until CMD...: polls CMD every 50 ms for up to 20 s (a slow machine must not make a
# test send its signal before the program is where the test means it to be).
wait_until() {
  local i
  for i in $(seq 1 400); do "$@" && return 0; sleep 0.05; done
  return 1
}
expect_rc() {  # code what
  [[ "$RC" == "$1" ]] || fail "$2: exit $RC, expected $1; stderr: $ERR"
  ok
}

# make_key FILE ALIAS STOREPASS TYPE [extra keytool args...]: an RSA-2048 key pair.
make_key() {
  local file=$1 alias=$2 pass=$3 type=$4; shift 4
  keytool -genkeypair -alias "$alias" -keyalg RSA -keysize 2048 -dname "CN=$alias, O=Test, C=LK" \
    -validity 3650 -storetype "$type" -keystore "$file" -storepass "$pass" -keypass "$pass" "$@" \
    >/dev/null 2>&1 || fail "keytool could not make $file"
}
DE_EXT=(-ext "KeyUsage=digitalSignature,keyEncipherment,dataEncipherment")
NO_DE_CRIT=(-ext "KeyUsage:critical=digitalSignature,keyEncipherment")
NO_DE=(-ext "KeyUsage=digitalSignature,keyEncipherment")

# SHA-1 thumbprint as keytool sees it, uppercase hex without colons.
keytool_sha1() {  # FILE PASS ALIAS
  keytool -list -v -keystore "$1" -storepass "$2" -alias "$3" 2>/dev/null |
    sed -n 's/^.*SHA1: *//p' | head -n1 | tr -d ':'
}

# The Java JCE peer (tests/java/JceHelper.java), compiled once per test script.
java_peer() {
  if [[ ! -f "$WORK/java/JceHelper.class" ]]; then
    mkdir -p "$WORK/java"
    javac -d "$WORK/java" "$KSC_SRC/tests/java/JceHelper.java" || fail "javac failed"
  fi
  java -cp "$WORK/java" JceHelper "$@"
}

# The Java AES peer (tests/java/AesPeer.java, with Debian's Gson), compiled once per test script.
aes_peer() {
  if [[ ! -f "$WORK/java/AesPeer.class" ]]; then
    mkdir -p "$WORK/java"
    javac -nowarn -cp /usr/share/java/gson.jar -d "$WORK/java" "$KSC_SRC/tests/java/AesPeer.java" || fail "javac AesPeer failed"
  fi
  java -cp "$WORK/java:/usr/share/java/gson.jar" AesPeer "$@"
}

# ../shared/fixtures/wso2 beside the repository, when present.
WSO2_FIXTURES="$KSC_SRC/../shared/fixtures/wso2"
have_wso2_fixtures() { [[ -f "$WSO2_FIXTURES/wso2carbon.jks" ]]; }

# A product home: HOME/repository/{conf,resources/security,database}.
make_home() {  # DIR
  mkdir -p "$1/repository/conf" "$1/repository/resources/security" "$1/repository/database"
}

# --- Helpers for the bad-input tests (test_bad_*.sh, test_signals.sh, test_secrets_hygiene.sh).
# Words that must never be printed: each test fills NO_LEAK with its passwords and plaintexts.
NO_LEAK=()
# expect_error CODE NEEDLE WHAT: exit CODE; stderr holds exactly one "error:" line, which
# names NEEDLE (the file, alias or table), at most one "hint:" line besides, and no word of NO_LEAK.
expect_error() {
  expect_rc "$1" "$3"
  local line n s
  n=$(grep -c ' error: ' <<<"$ERR" || true)
  [[ $n == 1 ]] || fail "$3: expected one error line, got [$ERR]"
  line=$(grep ' error: ' <<<"$ERR")
  [[ "$line" == *"$2"* ]] || fail "$3: error line does not name [$2]: [$line]"
  # Progress lines may be there; every line of the program itself is error/hint/warning/note.
  [[ $(grep -E '^(kscipher|ksmigrate): ' <<<"$ERR" | grep -vc -e ' error: ' -e ' hint: ' -e ' warning: ' -e ' note: ' || true) == 0 ]] ||
    fail "$3: stray lines on stderr: [$ERR]"
  for s in "${NO_LEAK[@]}"; do [[ "$OUT$ERR" != *"$s"* ]] || fail "$3: secret [$s] printed"; done
  ok
}
# flip FILE OFFSET [MASK]: XORs one byte in place (default mask 0x01).
flip_byte() {
  local b; b=$(xxd -s "$2" -l 1 -p "$1")
  printf "$(printf '\\x%02x' $(( 16#$b ^ ${3:-1} )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# patch_bytes FILE OFFSET PRINTF-ESCAPES: overwrites bytes in place.
patch_bytes() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# jks_seal BODY PASS OUT: appends the JKS/JCEKS integrity hash for PASS, so a crafted
# body passes the password check and reaches the parser.
jks_seal() {
  { cat "$1"; { printf '%s' "$2" | iconv -f UTF-8 -t UTF-16BE; printf 'Mighty Aphrodite'; cat "$1"; } |
      openssl dgst -sha1 -binary; } > "$3"
}
# as_nobody CMD...: runs as an unprivileged user when root (chmod does not stop root).
as_nobody() {
  if [[ $(id -u) == 0 ]]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
