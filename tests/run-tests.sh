#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/run-tests.sh BUILD... -- run every test against every build directory.
#
# Starts one throwaway PostgreSQL cluster (tests/pg.sh), then for each BUILD runs
# the executables BUILD/tests/test_* and the scripts tests/t_*.sh, counts their
# TAP lines and ends with exactly one line "N passed, M failed".  See
# tests/CONVENTIONS.md for the environment every test gets.
#
#   PP_TEST_TIMEOUT=SECONDS  per-test limit (default 300)
#   PP_TESTS=REGEX   run only the tests whose name (test_foo, t_bar.sh) matches
#                    REGEX (bash =~, so a plain word matches as a substring)
#   BUILD/tests.only  a REGEX in a build directory limits that build the same way
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TIMEOUT=${PP_TEST_TIMEOUT:-300}   # seconds per test program

if [[ $# -eq 0 ]]; then
    echo "usage: $0 BUILD..." >&2
    exit 2
fi
builds=()
for b in "$@"; do
    [[ -d $b ]] || { echo "$0: no build directory '$b'" >&2; exit 2; }
    builds+=("$b")
done

work=$(mktemp -d /tmp/pp-run.XXXXXX)
pgdir="$work/pg"
child=
cleanup() {
    # Interrupted mid-test: stop it (timeout passes TERM on to the test).
    if [[ -n $child ]]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    "$TOP/tests/pg.sh" destroy "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
# EXIT covers normal ends and errors; turn signals into an exit so it runs.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The postgres user must reach the cluster directory under $work.
chmod 755 "$work"
"$TOP/tests/pg.sh" start "$pgdir"
# shellcheck source=/dev/null
. "$pgdir/env"
pglog="$pgdir/log/postgresql.log"

export PP_TOP="$TOP"
# Every test's secrets (one per line: passwords tried, stored values, the
# database password) go to PP_SECRETS; every line the module logged
# (pam_wrapper's "SYSLOG(n):" lines) is gathered from the tests' output.
# At the end no secret may appear in any of them.
export PP_SECRETS="$work/secrets"
module_log="$work/module-log"
: >"$PP_SECRETS"
: >"$module_log"
export CMOCKA_MESSAGE_OUTPUT=TAP

passed=0 failed=0 skipped=0 ntests=0
failures=() skips=()

# run_one BUILD_ARG BUILD_ABS NAME CMD...
run_one() {
    local barg=$1 babs=$2 name=$3
    shift 3
    local label="$barg/$name"
    label=${label//\/\//\/}
    local tmp log rc=0 lines_before

    tmp=$(mktemp -d "$work/tmp.XXXXXX")
    # Tests may hand files in PP_TMP to processes running as postgres.
    chmod 755 "$tmp"
    log="$tmp.log"
    lines_before=$(wc -l <"$pglog" 2>/dev/null || echo 0)

    echo "== $label"
    # In the background so that a signal to the harness is handled at once
    # (bash runs traps only after a foreground command ends).
    # A sanitized build names its runtime in BUILD/preload: programs that are
    # not sanitized themselves (pamtester, dovecot) must preload it to load
    # the sanitized module.
    local preload=
    [[ -f $babs/preload ]] && preload=$(<"$babs/preload")
    (cd "$TOP" && PP_BUILD="$babs" PP_TMP="$tmp" PP_PRELOAD="$preload" \
        exec timeout -k 10 "$TIMEOUT" "$@") </dev/null >"$log" 2>&1 &
    child=$!
    wait "$child" || rc=$?
    child=
    ntests=$((ntests + 1))
    sed 's/^/    /' "$log"
    grep -a 'SYSLOG(' "$log" >>"$module_log" || true

    # Classify each TAP result line.  A "# SKIP" directive makes it a skip
    # whether "ok" or "not ok" (cmocka prints "not ok N # SKIP name"); a
    # "not ok ... # TODO" is an expected failure and counts as neither.
    local line kind ntap=0 nfail=0
    while IFS= read -r line; do
        ntap=$((ntap + 1))
        shopt -s nocasematch
        if [[ $line =~ \#[[:space:]]*skip ]]; then
            kind=skip
        elif [[ $line == ok\ * ]]; then
            kind=pass
        elif [[ $line =~ \#[[:space:]]*todo ]]; then
            kind=todo
        else
            kind=fail
        fi
        shopt -u nocasematch
        case $kind in
            pass) passed=$((passed + 1)) ;;
            skip) skipped=$((skipped + 1)); skips+=("$label: $line") ;;
            fail) failed=$((failed + 1)); nfail=$((nfail + 1)); failures+=("$label: $line") ;;
        esac
    done < <(grep -E '^(not )?ok( |$)' "$log" || true)

    local extra=
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        extra="timed out after ${TIMEOUT}s"
    elif [[ $rc -ne 0 ]]; then
        extra="exited with status $rc"
    elif [[ $ntap -eq 0 ]]; then
        extra="printed no TAP line"
    elif grep -aq 'command not found' "$log"; then
        # A shell test that ran a line it could not run (a stray word, a
        # missing program) checked less than it says, even if all else passed.
        extra="printed 'command not found': $(grep -a -m 1 'command not found' "$log" | cut -c 1-120)"
    fi
    if [[ -n $extra ]]; then
        failed=$((failed + 1))
        failures+=("$label: $extra")
        echo "    # FAIL $label: $extra"
    fi

    if [[ -n $extra || $nfail -gt 0 ]]; then
        # Server log lines written while this test ran often say why.
        local new
        new=$(tail -n +"$((lines_before + 1))" "$pglog" 2>/dev/null | tail -n 20 || true)
        if [[ -n $new ]]; then
            echo "    # last server log lines ($pglog):"
            # shellcheck disable=SC2001
            sed 's/^/    #   /' <<<"$new"
        fi
    fi

    rm -rf "$tmp"
    # A test may stop the cluster (PP_PGCTL); the next one needs it running.
    if ! "$TOP/tests/pg.sh" resume "$pgdir" >/dev/null 2>&1; then
        echo "    # FAIL $label: the cluster could not be restarted after this test"
        failed=$((failed + 1))
        failures+=("$label: left the cluster unrestartable")
    fi
}

# A build may name the tests it is for in BUILD/tests.only (a regex): the
# ThreadSanitizer build is for the thread tests.
selected() { # selected NAME BUILD
    local only=
    [[ -f $2/tests.only ]] && only=$(<"$2/tests.only")
    [[ -z ${PP_TESTS:-} || $1 =~ $PP_TESTS ]] && [[ -z $only || $1 =~ $only ]]
}

for b in "${builds[@]}"; do
    babs=$(cd "$b" && pwd)
    for t in "$babs"/tests/test_*; do
        [[ -f $t && -x $t ]] || continue
        name=$(basename "$t")
        selected "$name" "$babs" || continue
        run_one "$b" "$babs" "$name" "$t"
    done
    for t in "$TOP"/tests/t_*.sh; do
        [[ -f $t ]] || continue
        name=$(basename "$t")
        selected "$name" "$babs" || continue
        run_one "$b" "$babs" "$name" bash "$t"
    done
done

# The suite-wide secrets check: PowerMail's sample passwords and values,
# the test database's password, and what the tests added.  Not only whole
# secrets: no 8-byte piece of one may be logged either, so that a message
# cut short, or quoted with its quotes doubled, is caught too.
secrets_check() {
    local piece secret line found=() n
    {
        cat "$PP_SECRETS"
        echo "$PP_PGPASSWORD"
        sed -n "s/.*VALUES *('[^']*', *'\([^']*\)'.*/\1/p" "$TOP/sql/sample.sql"
        echo 's3cr3t!'
    } | sort -u >"$work/secrets.all"
    # Every 8-byte window of each secret; a secret of 4 to 7 bytes whole.  A
    # stored value's "{scheme}" and crypt method ("$argon2id$") may be
    # logged, as the scheme's name; what follows may not.
    LC_ALL=C awk '{
        whole = $0
        sub(/^[{][^}]*[}]/, "", whole)
        s = whole
        sub(/^[$][A-Za-z0-9-]+[$]/, "", s)
        if (length(s) >= 8) {
            for (i = 1; i + 7 <= length(s); i++) print substr(s, i, 8)
        } else if (length(whole) >= 4) {
            print whole
        }
    }' "$work/secrets.all" | LC_ALL=C sort -u >"$work/pieces"
    # pam_wrapper's prefix of each line is not the module's text: its process
    # ID once held 8 digits of a stored value.
    LC_ALL=C sed -E 's/PWRAP_[A-Z]+\[[^]]*\] - //' "$module_log" >"$work/module_text"
    LC_ALL=C grep -aoF -f "$work/pieces" "$work/module_text" | LC_ALL=C sort -u >"$work/pieces.found" || true
    while IFS= read -r piece; do
        found+=("$piece")
    done <"$work/pieces.found"
    n=$(wc -l <"$module_log")
    echo "== secrets: $(wc -l <"$work/secrets.all") secrets ($(wc -l <"$work/pieces") pieces) against $n module log lines"
    if [[ ${#found[@]} -eq 0 ]]; then
        echo "    ok 1 - no secret, nor any 8-byte piece of one, in anything the module logged"
        passed=$((passed + 1))
    else
        echo "    not ok 1 - ${#found[@]} piece(s) of secrets in the module's log"
        for piece in "${found[@]}"; do
            # Say where and whose, without repeating the piece in full.
            secret=$(LC_ALL=C grep -aF -m 1 -- "$piece" "$work/secrets.all")
            line=$(LC_ALL=C grep -aF -m 1 -- "$piece" "$work/module_text")
            echo "    # ${piece:0:3}... (of a secret starting ${secret:0:3}...) in: $(cut -c1-160 <<<"${line//"$piece"/********}")"
        done
        failed=$((failed + 1))
        failures+=("secrets: ${#found[@]} piece(s) of secrets in the module's log")
    fi
}
[[ -z ${PP_TESTS:-} ]] && secrets_check

# A build that produced no test binaries must not look like a success.
if [[ $ntests -eq 0 ]]; then
    echo "# no test ran${PP_TESTS:+ (PP_TESTS=$PP_TESTS)}"
    failed=$((failed + 1))
    failures+=("no test found")
fi

if [[ ${#skips[@]} -gt 0 ]]; then
    echo "Skipped:"
    printf '    %s\n' "${skips[@]}"
fi
if [[ ${#failures[@]} -gt 0 ]]; then
    echo "Failed:"
    printf '    %s\n' "${failures[@]}"
fi
if [[ $skipped -gt 0 ]]; then
    echo "$skipped skipped"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
