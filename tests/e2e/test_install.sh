#!/usr/bin/env bash
# cmake --install puts both programs and their man pages in place; each page renders
# (man, else groff, else its roff structure is checked) and has a section for every
# subcommand the program's --help lists.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

prefix="$WORK/prefix"
run_capture cmake --install "$KSC_BIN" --prefix "$prefix"
expect_rc 0 "cmake --install"

for prog in kscipher ksmigrate; do
  bin="$prefix/bin/$prog" page="$prefix/share/man/man1/$prog.1"
  [[ -x $bin ]] || fail "$bin not installed"
  ok
  [[ -f $page ]] || fail "$page not installed"
  ok
  # The installed program is the one built: same version line.
  assert_eq "$("$KSC_BIN/$prog" --version)" "$("$bin" --version)" "$prog --version installed"

  # The roff skeleton every man page needs, whatever renders it.
  assert_eq ".TH ${prog^^} 1" "$(head -n 1 "$page" | cut -d' ' -f1-3)" "$prog.1 title line"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS"; do
    grep -qx "\.SH \"\?$section\"\?" "$page" || fail "$prog.1 has no $section section"
    ok
  done

  if command -v man >/dev/null; then
    rendered=$(MANWIDTH=100 man -l "$page" 2>"$WORK/render.err")
    renderer="man -l"
  elif command -v groff >/dev/null; then
    rendered=$(groff -man -Tutf8 -P-c "$page" 2>"$WORK/render.err")
    renderer=groff
  else
    rendered=$(cat "$page"); : > "$WORK/render.err"
    renderer=none
  fi
  assert_eq "" "$(cat "$WORK/render.err")" "$prog.1 renders with $renderer without a warning"
  if command -v groff >/dev/null; then
    # -ww: every warning groff knows (a bad escape, a macro misused) on stderr.
    assert_eq "" "$(groff -man -Tutf8 -ww -z "$page" 2>&1)" "$prog.1: groff warnings"
  fi
  [[ $renderer == none ]] || assert_contains "$rendered" "$prog - " "$prog.1 rendered NAME line"

  # Every subcommand --help lists has its own section, with its own options in it.
  # awk reads to the end (no `exit`): a reader that quits early can end the program with
  # SIGPIPE, which pipefail turns into a failure.
  subs=$("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {on = 0} on && /^  [^ ]/ {print $1}')
  [[ $(wc -w <<<"$subs") -ge 5 ]] || fail "$prog --help lists too few subcommands: [$subs]"
  ok
  for sub in $subs; do
    grep -qx "\.SS \"$prog $sub\"" "$page" || fail "$prog.1 has no section for $sub"
    ok
    [[ $renderer == none ]] || assert_contains "$rendered" "   $prog $sub" "$prog.1 rendered heading of $sub"
    # The page lists the subcommand's last option (the section is complete, not cut short).
    last=$("$bin" "$sub" --help | awk '/^Options:/ {on = 1; next} on && /^$/ {on = 0} on && /^  -/ {o = $1} END {print o}')
    section=$(awk -v h=".SS \"$prog $sub\"" '$0 == h {on = 1; next} on && /^\.S[SH] / {exit} on' "$page")
    assert_contains "$section" "\\fB${last//-/\\-}\\fR" "$prog.1 section $sub lists $last"
  done
done
done_testing
