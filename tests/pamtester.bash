# Sourced by the shell tests that log in with pamtester under pam_wrapper.
#
#   use_pam_wrapper SVCDIR              PAM reads its services from SVCDIR
#   run_pamtester SERVICE USER PASSWORD OP...
#                                       sets $out (stdout and stderr) and $rc
#
# pamtester asks "Password: " through libpam_misc's conversation, which reads
# one line from standard input when that is not a terminal.

use_pam_wrapper() {
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
