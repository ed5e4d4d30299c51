# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests that run a daemon under pam_wrapper
# (t_saslauthd.sh, t_exim.sh).
#
#   pwrap_dirs MARKER PID...   the directories pam_wrapper made in a process
#                              PID: newer than the file MARKER (touched
#                              before the daemon started), and whose pid file
#                              names one of the PIDs
#
# pam_wrapper makes a directory for each process image that calls PAM (its
# pid file holds that process's pid; a forked child shares its parent's
# only if the parent called PAM first) and removes it only from a normal
# exit().  Where: pam_wrapper 1.1.4 (Debian 12) takes one of only 62 names
# /tmp/pam.X; 1.1.7 (Debian 13) makes $TMPDIR/pam.XXXXXX (mkdtemp).  A test
# gives its daemon TMPDIR=$PWRAP_TMPDIR, a directory in $PP_TMP, lists the
# directories before and after stopping its daemon, removes what is left of
# its own, and fails if any remains.

pwrap_dirs() {
    local marker=$1 d pid
    shift
    for d in /tmp/pam.? /tmp/pam.?????? ${PWRAP_TMPDIR:+"$PWRAP_TMPDIR"/pam.?????? "$PWRAP_TMPDIR"/pam.?}; do
        [[ -d $d && ! -L $d && $d -nt $marker ]] || continue
        pid=$(cat "$d/pid" 2>/dev/null) || continue
        [[ " $* " == *" $pid "* ]] && echo "$d"
    done
    return 0
}
