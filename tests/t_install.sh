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
check "sql/mailserver.sql in the share directory" \
    cmp "$top/sql/mailserver.sql" "$root/usr/share/pam_powermail/sql/mailserver.sql"
for map in "$top"/etc/postfix/*.cf; do
    check "the Postfix map $(basename "$map") in the share directory, mode 0644" \
        bash -c "cmp '$map' '$root/usr/share/pam_powermail/postfix/$(basename "$map")' &&
                 test \"\$(stat -c %a '$root/usr/share/pam_powermail/postfix/$(basename "$map")')\" = 644"
done
check "no other file beside the Postfix maps" \
    test "$(ls "$root/usr/share/pam_powermail/postfix/" | wc -l)" = "$(ls "$top"/etc/postfix/*.cf | wc -l)"
check "nothing installed under /etc/postfix (the operator copies the maps)" test ! -e "$root/etc/postfix"
for frag in "$top"/etc/dovecot/*/*; do
    rel=${frag#"$top"/etc/}
    check "the Dovecot fragment $rel in the share directory" \
        cmp "$frag" "$root/usr/share/pam_powermail/$rel"
done
check "nothing installed under /etc/dovecot (the operator copies the fragments)" test ! -e "$root/etc/dovecot"
check "sample config at /etc/pam_powermail.conf" test -f "$root/etc/pam_powermail.conf"
check "/etc/pam_powermail.conf is mode 0600" test "$(stat -c %a "$root/etc/pam_powermail.conf")" = 600
check "the installed pptool runs" bash -c "printf 's3cr3t!\n' | '$root/usr/sbin/pptool' verify '{plain}s3cr3t!'"

echo "postgresql-user = mine" >>"$root/etc/pam_powermail.conf"
check "a second make install succeeds" inst install
check "an existing /etc/pam_powermail.conf is never overwritten" \
    grep -q 'postgresql-user = mine' "$root/etc/pam_powermail.conf"

# The fail2ban filter and jail example in the share directory, the filter
# also in /etc/fail2ban/filter.d: the same whether or not this host has
# fail2ban (nothing of the build host decides where files go).
check "the fail2ban filter in the share directory" \
    test -f "$root/usr/share/pam_powermail/fail2ban/filter.d/pam_powermail.conf"
check "the fail2ban jail example in the share directory" \
    test -f "$root/usr/share/pam_powermail/fail2ban/jail.d/pam_powermail.conf.example"
check "the fail2ban filter in /etc/fail2ban/filter.d, the same file" \
    cmp "$top/etc/fail2ban/filter.d/pam_powermail.conf" "$root/etc/fail2ban/filter.d/pam_powermail.conf"
check "no jail in /etc/fail2ban/jail.d (the example is copied by hand)" test ! -e "$root/etc/fail2ban/jail.d"

check "make uninstall succeeds" inst uninstall
check "uninstall removes the module" test ! -e "$root$pamdir/pam_powermail.so"
check "uninstall removes pptool" test ! -e "$root/usr/sbin/pptool"
check "uninstall removes the man pages" \
    bash -c "! ls '$root'/usr/share/man/man*/p* 2>/dev/null | grep -q ."
check "uninstall removes the share directory" test ! -e "$root/usr/share/pam_powermail"
check "uninstall keeps the operator's configuration" test -f "$root/etc/pam_powermail.conf"
check "uninstall removes the fail2ban files" \
    bash -c "! find '$root' -path '*fail2ban*' -name 'pam_powermail.conf*' | grep -q ."

# FAIL2BANDIR= leaves /etc/fail2ban alone; the share directory has both.
root=$tmp/root-nof2b
check "FAIL2BANDIR=: make install succeeds" inst FAIL2BANDIR= install
check "FAIL2BANDIR=: nothing made under /etc/fail2ban" test ! -e "$root/etc/fail2ban"
check "FAIL2BANDIR=: the filter in the share directory" \
    test -f "$root/usr/share/pam_powermail/fail2ban/filter.d/pam_powermail.conf"
check "FAIL2BANDIR=: make uninstall succeeds" inst FAIL2BANDIR= uninstall
check "FAIL2BANDIR=: uninstall leaves only the configuration" \
    test "$(cd "$root" && find . -type f)" = ./etc/pam_powermail.conf
