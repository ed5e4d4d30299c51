#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/run-unit.sh BUILD TEST... -- the unit tier: test programs that need
# no server, no root and no network (make check-unit; the package build's
# dh_auto_test).  Runs each BUILD/tests/TEST, counts its TAP lines and ends
# with one line "N passed, M failed"; a program that exits non-zero or
# prints no TAP line is a failure.
set -uo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 BUILD TEST..." >&2; exit 2; }
build=$1
shift
export CMOCKA_MESSAGE_OUTPUT=TAP
passed=0 failed=0 failures=()
for t in "$@"; do
    echo "== $t"
    out=$("$build/tests/$t" 2>&1)
    rc=$?
    sed 's/^/    /' <<<"$out"
    ok=$(grep -c '^ok ' <<<"$out")
    bad=$(grep -c '^not ok ' <<<"$out")
    passed=$((passed + ok))
    failed=$((failed + bad))
    [[ $bad -eq 0 ]] || failures+=("$t: $bad not ok")
    if [[ $rc -ne 0 || $((ok + bad)) -eq 0 ]]; then
        failed=$((failed + 1))
        failures+=("$t: exited with status $rc, $((ok + bad)) TAP lines")
    fi
done
if [[ ${#failures[@]} -gt 0 ]]; then
    echo "Failed:"
    printf '    %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
