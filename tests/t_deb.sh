#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_deb.sh -- the Debian package as an integrator gets it: `make deb` on
# this release, lintian, then in a fresh root of the same release (made by
# tools/root.sh: debootstrap minbase) apt-get install of the .deb, every
# file where Debian puts it, pptool on the seed's vectors, a login through
# the installed module named by its bare name in that root's /etc/pam.d
# against the test PostgreSQL (a database loaded from the packaged
# schema.sql), an upgrade that keeps an edited conffile, and a purge that
# leaves nothing of the package.
#
# The login reaches the harness's cluster over 127.0.0.1 (a root shares this
# machine's network).  The root's libpam is the real one, reading the root's
# own /etc/pam.d: nothing of this machine's PAM is touched.
#
# Needs root (make deb, debootstrap, chroot), and the environment
# tests/run-tests.sh gives (tests/CONVENTIONS.md).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGUSER PP_PGPASSWORD

if [[ $(basename "$PP_BUILD") != build ]]; then
    # The package is built from the tree, not from a build directory.
    echo "ok 1 # SKIP the package is checked with the plain build"
    echo "1..1"
    exit 0
fi

release=$(. /etc/os-release && echo "$VERSION_CODENAME")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
debdir=$PP_TOP/build/deb
root=$PP_TMP/root
db=pp_deb
service=pp-deb
PW='s3cr3t!'

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; its output is
# shown when it does not.
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$desc"
    else
        not_ok "$desc"
        diag <<<"$(tail -n 15 <<<"$out")"
    fi
}
# check_not DESCRIPTION COMMAND...: ok when COMMAND fails.
check_not() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        not_ok "$desc"
        diag <<<"$(tail -n 15 <<<"$out")"
    else
        ok "$desc"
    fi
}
# in_root CMD...: CMD inside the root, as root.
in_root() { "$PP_TOP/tools/root.sh" run "$root" "$@"; }
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" "$@"; }

cleanup() {
    "$PP_TOP/tools/root.sh" destroy "$root" >/dev/null 2>&1 ||
        echo "# could not remove $root" >&2
    psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- make deb and lintian -----------------------------------------------------
check "make deb builds the package on Debian $release" make -s -C "$PP_TOP" deb
deb=$(ls "$debdir"/libpam-powermail_*_*.deb 2>/dev/null | head -n 1)
if [[ -z $deb ]]; then
    not_ok "build/deb holds libpam-powermail_*.deb"
    echo "1..$n"
    exit 1
fi
version=$(dpkg-deb -f "$deb" Version)
check "its version is the project's ($(<"$PP_TOP/VERSION"))" test "$version" = "$(<"$PP_TOP/VERSION")"
check "the working tree is left as it was (no debian/ build files in it)" \
    test ! -e "$PP_TOP/debian/libpam-powermail" -a ! -e "$PP_TOP/debian/files"

# Every error or warning lintian has must have a written override.
lint=$(lintian "$debdir"/*.deb 2>&1 | grep -v '^running with root')
if grep -Eq '^[EW]: ' <<<"$lint"; then
    not_ok "lintian: no error and no warning without an override (debian/*.lintian-overrides)"
    diag <<<"$lint"
else
    ok "lintian: no error and no warning without an override ($(lintian --version))"
fi
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends holds no PostgreSQL server and no Dovecot ($depends)" \
    bash -c "! grep -Eq 'postgresql|dovecot' <<<'$depends'"

# --- a fresh root of this release, and the package installed there ------------
check "a fresh Debian $release root (tools/root.sh make)" "$PP_TOP/tools/root.sh" make "$release" "$root"
cp "$deb" "$root/tmp/"
check "apt-get install ./$(basename "$deb") pulls in what it needs" \
    in_root bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends /tmp/$(basename "$deb") pamtester"

pamdir=/usr/lib/$multiarch/security
for f in "$pamdir/pam_powermail.so" /usr/sbin/pptool /usr/share/man/man8/pam_powermail.8.gz \
    /usr/share/man/man8/pptool.8.gz /usr/share/man/man5/pam_powermail.conf.5.gz \
    /usr/share/libpam-powermail/sql/schema.sql /usr/share/doc/libpam-powermail/INSTALL.gz \
    /usr/share/doc/libpam-powermail/README.Debian /usr/share/doc/libpam-powermail/copyright \
    /usr/share/libpam-powermail/fail2ban/filter.d/pam_powermail.conf \
    /usr/share/libpam-powermail/fail2ban/jail.d/pam_powermail.conf.example \
    /etc/fail2ban/filter.d/pam_powermail.conf; do
    check "installed: $f" test -f "$root$f"
done
check "/etc/fail2ban/filter.d/pam_powermail.conf is a conffile" \
    in_root bash -c "dpkg-query -W -f='\${Conffiles}' libpam-powermail | grep -q ' /etc/fail2ban/filter.d/pam_powermail.conf '"
check "/etc/pam_powermail.conf is a conffile" \
    in_root bash -c "dpkg-query -W -f='\${Conffiles}' libpam-powermail | grep -q ' /etc/pam_powermail.conf '"
check "/etc/pam_powermail.conf is mode 0600, owned by root" \
    test "$(stat -c '%a %U' "$root/etc/pam_powermail.conf")" = "600 root"
check_not "no pam-auth-update profile, no /etc/pam.d file" \
    bash -c "chroot '$root' dpkg -L libpam-powermail | grep -E '^/(usr/share/pam-configs|etc/pam.d)/'"

# The seed's stored forms of s3cr3t!, through the installed pptool.
for stored in '{plain}s3cr3t!' 's3cr3t!' '{crypt}/CFF1gJfAFAqM' '{md5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1'; do
    check "installed pptool verify '$stored' accepts s3cr3t!" \
        in_root bash -c "printf '%s\n' '$PW' | pptool verify '$stored'"
    check "installed pptool verify '$stored' refuses s3cr3t" \
        in_root bash -c "printf '%s\n' 's3cr3t' | pptool verify '$stored'; test \$? -eq 1"
done

# --- a login through the installed module -----------------------------------
# The userbase: a database of its own, loaded from the packaged schema.sql.
out=$(psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>&1 &&
    psql_su -d "$db" -f "$root/usr/share/libpam-powermail/sql/schema.sql" 2>&1 &&
    psql_su -d "$db" -f "$PP_TOP/sql/sample.sql" 2>&1)
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "database $db from the packaged schema.sql, with the sample rows"
else
    not_ok "database $db from the packaged schema.sql"
    diag <<<"$out"
fi
# The conffile, as an operator edits it: the test cluster over TCP.
cat >"$root/etc/pam_powermail.conf" <<EOF
postgresql-host = 127.0.0.1
postgresql-port = $PGPORT
postgresql-database = $db
postgresql-user = $PP_PGUSER
postgresql-password = $PP_PGPASSWORD
postgresql-sslmode = disable
EOF
printf '%s\n' "auth    required pam_powermail.so" "account required pam_powermail.so" \
    >"$root/etc/pam.d/$service"
login() { # login USER PASSWORD
    in_root bash -c "printf '%s\n' '$2' | pamtester $service '$1' authenticate acct_mgmt"
}
check "pamtester $service info@example.com with s3cr3t!: authenticated (bare pam_powermail.so)" \
    login info@example.com "$PW"
check_not "pamtester $service info@example.com with a wrong password: refused" \
    login info@example.com s3cr3t

# --- upgrade: the edited conffile stays ---------------------------------------
# A rebuilt package with a higher version: the same files, version +1.
up=$PP_TMP/up
rm -rf "$up"
mkdir -p "$up"
check "a rebuilt package, version $version+t1" bash -c "
    dpkg-deb -R '$deb' '$up/pkg' &&
    sed -i 's/^Version: .*/Version: $version+t1/' '$up/pkg/DEBIAN/control' &&
    dpkg-deb --root-owner-group -b '$up/pkg' '$root/tmp/libpam-powermail_${version}+t1.deb'"
check "an upgrade to $version+t1 installs" \
    in_root bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/libpam-powermail_${version}+t1.deb"
check "after the upgrade dpkg says $version+t1" \
    test "$(chroot "$root" dpkg-query -W -f='${Version}' libpam-powermail)" = "$version+t1"
check "the upgrade kept the edited /etc/pam_powermail.conf" \
    grep -q "^postgresql-database = $db\$" "$root/etc/pam_powermail.conf"
check "and its mode 0600" test "$(stat -c %a "$root/etc/pam_powermail.conf")" = 600
check "a login after the upgrade: authenticated" login info@example.com "$PW"

# --- purge: nothing left --------------------------------------------------------
check "apt-get purge libpam-powermail" \
    in_root bash -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q libpam-powermail"
for f in "$pamdir/pam_powermail.so" /usr/sbin/pptool /etc/pam_powermail.conf \
    /etc/fail2ban/filter.d/pam_powermail.conf \
    /usr/share/libpam-powermail /usr/share/doc/libpam-powermail; do
    check "purged: $f is gone" test ! -e "$root$f"
done
for pattern in pam_powermail pptool libpam-powermail; do
    check "dpkg -S $pattern finds nothing" test -z "$(chroot "$root" dpkg -S "$pattern" 2>/dev/null)"
done

echo "1..$n"
[[ $failed -eq 0 ]]
