# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests that log in with pamtester under pam_wrapper.
#
#   use_pam_wrapper SVCDIR              PAM reads its services from SVCDIR;
#                                       a deny-all "other" service there
#                                       unless the test wrote one (without,
#                                       libpam complains at every pam_start)
#   run_pamtester SERVICE USER PASSWORD OP...
#                                       sets $out (stdout and stderr) and $rc
#   login_once SERVICE USER PASSWORD OP...
#                                       run_pamtester, its output appended to
#                                       the file $alloutput (for a test's
#                                       end-of-run check that no secret was
#                                       printed)
#   run_many SERVICE USER PASSWORD COUNT
#                                       COUNT authenticate operations in one
#                                       pamtester process (each reads its own
#                                       line); sets $out, $rc and $succ, and
#                                       appends $out to $alloutput
#
# pamtester asks "Password: " through libpam_misc's conversation, which reads
# one line from standard input when that is not a terminal.

use_pam_wrapper() {
    [[ -e $1/other ]] || printf '%s required pam_deny.so\n' auth account password session >"$1/other"
    wrapper_env=(LD_PRELOAD="${PP_PRELOAD:+$PP_PRELOAD:}libpam_wrapper.so" PAM_WRAPPER=1
        PAM_WRAPPER_SERVICE_DIR="$1" PAM_WRAPPER_DEBUGLEVEL=2)
    if [[ -n ${PP_PRELOAD:-} ]]; then
        # the sanitizer runtime first; ASan refuses pam_wrapper's RTLD_DEEPBIND
        # (pam_wrapper 1.1.4 reads the UID_WRAPPER_ spelling of the switch)
        wrapper_env+=(ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
            PAM_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1)
    fi
}

run_pamtester() {
    local service=$1 user=$2 password=$3
    shift 3
    rc=0
    out=$(printf '%s\n' "$password" |
        env "${wrapper_env[@]}" pamtester -v "$service" "$user" "$@" 2>&1) || rc=$?
}

login_once() {
    run_pamtester "$@"
    printf '%s\n' "$out" >>"${alloutput:?}"
}

run_many() {
    local service=$1 user=$2 password=$3 count=$4 i ops=() pw=$PP_TMP/pw.$BASHPID
    for ((i = 0; i < count; i++)); do
        ops+=(authenticate)
        printf '%s\n' "$password"
    done >"$pw"
    rc=0
    # stdout apart: the stderr prompts would land inside its buffered lines.
    out=$(env "${wrapper_env[@]}" pamtester "$service" "$user" "${ops[@]}" <"$pw" 2>"$pw.err") ||
        rc=$?
    # shellcheck disable=SC2034  # the caller's
    succ=$(grep -c '^pamtester: successfully authenticated$' <<<"$out")
    out+=$'\n'$(<"$pw.err")
    rm -f "$pw" "$pw.err"
    printf '%s\n' "$out" >>"${alloutput:?}"
}

# A sanitized module reports through the sanitizer runtime pamtester preloads.
sanitizer_report() {
    [[ $1 == *"ERROR: AddressSanitizer"* || $1 == *"ERROR: LeakSanitizer"* ||
        $1 == *"runtime error:"* ]]
}

# expect LABEL WANT_RC_ZERO(yes|no) TEXT...: after run_pamtester, $out must
# contain every TEXT and the exit status be as wanted.  Uses the test's own
# ok, not_ok and diag.
expect() {
    local label=$1 want_zero=$2 t missing=
    shift 2
    for t in "$@"; do
        [[ $out == *"$t"* ]] || missing+=" \"$t\""
    done
    if sanitizer_report "$out"; then
        missing+=" (a sanitizer report)"
    fi
    if [[ $want_zero == yes && $rc -ne 0 ]]; then
        missing+=" (exit status $rc, want 0)"
    elif [[ $want_zero == no && $rc -eq 0 ]]; then
        missing+=" (exit status 0, want failure)"
    fi
    if [[ -z $missing ]]; then
        ok "$label"
    else
        not_ok "$label: missing$missing"
        diag <<<"$out"
    fi
}
