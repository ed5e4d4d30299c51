# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests: their TAP lines and counts.
#
#   ok TEXT, not_ok TEXT      one result, numbered
#   not_ok_diag TEXT DETAIL...  one failed result, then each DETAIL (its
#                             first 40 lines, 400 columns) as comment lines
#   diag <<<TEXT              TEXT as comment lines
#   bail TEXT [DETAIL...]     a step all the rest depends on failed:
#                             not_ok_diag, the plan line, and the end
#   check TEXT COMMAND...     ok when COMMAND succeeds, else not ok with its
#                             exit code and the end of its output
#   check_not TEXT COMMAND... ok when COMMAND fails
#   require_env VAR...        each must be set (tests/run-tests.sh sets them),
#                             or the test fails at once
#   need_commands CMD...      each CMD not on PATH goes into the array missing
#   end_if_missing [TEXT]     when missing holds anything: one failed check
#                             naming it (and TEXT), and the test ends.  A
#                             missing package fails, it is never skipped
#   on_exit FUNCTION          FUNCTION runs when the test ends, after INT,
#                             TERM or HUP too
#   plain_build_only WHAT     unless PP_BUILD is the plain build: one
#                             skipped check (WHAT is checked with the plain
#                             build: once a release is enough) and the end
# A test ends with: echo "1..$n"; [[ $failed -eq 0 ]]

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
not_ok_diag() {
    local d
    not_ok "$1"
    shift
    for d in "$@"; do
        [[ -n $d ]] && printf '%s\n' "$d" | head -n 40 | cut -c 1-400 | sed 's/^/#   /'
    done
    return 0
}
bail() {
    not_ok_diag "$@"
    echo "1..$n"
    exit 1
}

# COMMAND's output goes to the TAP stream only as comment lines.
check() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [[ $rc -eq 0 ]]; then
        ok "$desc"
    else
        not_ok_diag "$desc" "exit $rc: $*" "$(tail -n 15 <<<"$out")"
    fi
}
check_not() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        not_ok_diag "$desc" "succeeded: $*" "$(tail -n 15 <<<"$out")"
    else
        ok "$desc"
    fi
}

require_env() {
    local v
    for v in "$@"; do
        if [[ -z ${!v:-} ]]; then
            echo "1..1"
            echo "not ok 1 - $v is not set (run through tests/run-tests.sh)"
            exit 1
        fi
    done
}

missing=()
need_commands() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || missing+=("$c")
    done
}
end_if_missing() {
    [[ ${#missing[@]} -eq 0 ]] && return 0
    bail "prerequisites: missing ${missing[*]}${1:+ $1}"
}

on_exit() {
    trap "$1" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

plain_build_only() {
    [[ $(basename "$PP_BUILD") == build ]] && return 0
    echo "ok 1 # SKIP $1 is checked with the plain build"
    echo "1..1"
    exit 0
}
