# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests: their TAP lines and counts.
#
#   ok TEXT, not_ok TEXT      one result, numbered
#   diag <<<TEXT              TEXT as comment lines
#   require_env VAR...        each must be set (tests/run-tests.sh sets them),
#                             or the test fails at once
# A test ends with: echo "1..$n"; [[ $failed -eq 0 ]]

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

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
