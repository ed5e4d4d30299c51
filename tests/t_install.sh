#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall into a DESTDIR: every file where INSTALL says,
# the configuration 0600 and never overwritten, uninstall leaves only it.
set -uo pipefail
top=${PP_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
build=${PP_BUILD:-$top/build}
tmp=${PP_TMP:-$(mktemp -d)}
n=0
check() { # check DESCRIPTION COMMAND...
    local desc=$1
    shift
    n=$((n + 1))
    if "$@" >/dev/null 2>&1; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fi
}

if [[ $(basename "$build") != build ]]; then
    # Installing copies files; one build shows it.
    echo "ok 1 # SKIP install is checked with the plain build"
    exit 0
fi

# The man pages render without a single warning.
for page in "$top"/man/*.[58]; do
    check "$(basename "$page") renders without warnings" \
        bash -c "out=\$(groff -man -ww -z '$page' 2>&1) && [ -z \"\$out\" ]"
done

root=$tmp/root
pamdir=$(pkg-config --variable=libdir pam)/security
inst() { make -s -C "$top" BUILD="$(realpath --relative-to="$top" "$build")" DESTDIR="$root" PREFIX=/usr "$@"; }

check "make install succeeds" inst install
check "module in PAM's directory ($pamdir)" test -f "$root$pamdir/pam_powermail.so"
check "pptool in sbin" test -x "$root/usr/sbin/pptool"
check "pam_powermail(8)" test -f "$root/usr/share/man/man8/pam_powermail.8"
check "pptool(8)" test -f "$root/usr/share/man/man8/pptool.8"
check "pam_powermail.conf(5)" test -f "$root/usr/share/man/man5/pam_powermail.conf.5"
check "sql/schema.sql in the share directory" test -f "$root/usr/share/pam_powermail/sql/schema.sql"
check "sample config at /etc/pam_powermail.conf" test -f "$root/etc/pam_powermail.conf"
check "/etc/pam_powermail.conf is mode 0600" test "$(stat -c %a "$root/etc/pam_powermail.conf")" = 600
check "the installed pptool runs" bash -c "printf 's3cr3t!\n' | '$root/usr/sbin/pptool' verify '{plain}s3cr3t!'"

echo "postgresql-user = mine" >>"$root/etc/pam_powermail.conf"
check "a second make install succeeds" inst install
check "an existing /etc/pam_powermail.conf is never overwritten" \
    grep -q 'postgresql-user = mine' "$root/etc/pam_powermail.conf"

# Without fail2ban: its filter and jail example in the share directory.
check "fail2ban absent: the filter in the share directory" \
    test -f "$root/usr/share/pam_powermail/fail2ban/filter.d/pam_powermail.conf"
check "fail2ban absent: the jail example in the share directory" \
    test -f "$root/usr/share/pam_powermail/fail2ban/jail.d/pam_powermail.conf.example"
check "fail2ban absent: nothing made under /etc/fail2ban" test ! -e "$root/etc/fail2ban"

check "make uninstall succeeds" inst uninstall
check "uninstall removes the module" test ! -e "$root$pamdir/pam_powermail.so"
check "uninstall removes pptool" test ! -e "$root/usr/sbin/pptool"
check "uninstall removes the man pages" \
    bash -c "! ls '$root'/usr/share/man/man*/p* 2>/dev/null | grep -q ."
check "uninstall removes the share directory" test ! -e "$root/usr/share/pam_powermail"
check "uninstall keeps the operator's configuration" test -f "$root/etc/pam_powermail.conf"
check "uninstall removes the fail2ban files" \
    bash -c "! find '$root' -path '*fail2ban*' -name 'pam_powermail.conf*' | grep -q ."

# With fail2ban (its filter.d in the root): the filter and the jail example
# where fail2ban looks, none in the share directory; uninstall takes them.
root=$tmp/root-f2b
mkdir -p "$root/etc/fail2ban/filter.d" "$root/etc/fail2ban/jail.d"
check "fail2ban present: make install succeeds" inst install
check "fail2ban present: the filter in /etc/fail2ban/filter.d" \
    test -f "$root/etc/fail2ban/filter.d/pam_powermail.conf"
check "fail2ban present: the jail example in /etc/fail2ban/jail.d" \
    test -f "$root/etc/fail2ban/jail.d/pam_powermail.conf.example"
check "fail2ban present: no copy in the share directory" \
    test ! -e "$root/usr/share/pam_powermail/fail2ban"
check "fail2ban present: make uninstall succeeds" inst uninstall
check "fail2ban present: uninstall removes the filter and the jail example" \
    bash -c "! ls '$root'/etc/fail2ban/*/pam_powermail* 2>/dev/null | grep -q ."
