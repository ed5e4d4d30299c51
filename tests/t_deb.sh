#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_deb.sh -- the Debian package as Debian builds it and an integrator gets
# it, on this machine's release (CI runs the suite on Debian 12 and in a
# Debian 13 root, so each release checks its own):
#
#  1. The build, as a buildd does it: a fresh root (tools/root.sh make:
#     debootstrap minbase) with build-essential and debian/control's
#     Build-Depends only (apt-get build-dep; root.sh's git and
#     ca-certificates removed), a copy of the tree, and dpkg-buildpackage
#     -us -uc -b run there by an unprivileged user in a network namespace
#     of its own (unshare --net: no interface but a down lo; a probe in the
#     same shell shows the harness's PostgreSQL unreachable, and reachable
#     without the namespace).  Its log must hold the unit tier's "N passed,
#     0 failed" (dh_auto_test: make check-unit) and pass blhc --debian --all
#     (debian/rules asks for hardening=+all): every compile line with the
#     hardening flags, and a build without compile lines fails too.
#  2. lintian on the built .deb.
#  3. A second fresh root (a copy of the first, taken before anything was
#     installed in it): apt-get install of the .deb alone, every file where
#     Debian puts it, pptool on the seed's vectors, the package's
#     autopkgtest (debian/tests) run by autopkgtest's null runner on the
#     installed package, a login through the installed module named by its
#     bare name in that root's /etc/pam.d against the test PostgreSQL (a
#     database loaded from the packaged schema.sql), an upgrade that keeps
#     an edited conffile, and a purge that leaves nothing of the package.
#
# The login of step 3 reaches the harness's cluster over 127.0.0.1 (a root
# shares this machine's network); the autopkgtest starts a cluster of its
# own, on a unix socket.  The roots' libpam is the real one, reading the
# root's own /etc/pam.d: nothing of this machine's PAM is touched.
#
# Needs root (debootstrap, chroot, unshare), blhc and lintian on this
# machine (tools/deps.sh deb-check), and the environment tests/run-tests.sh
# gives (tests/CONVENTIONS.md).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGUSER PP_PGPASSWORD

# The package is built from the tree, not from a build directory.
plain_build_only "the package"

start=$(date +%s)
release=$(. /etc/os-release && echo "$VERSION_CODENAME")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
version=$(<"$PP_TOP/VERSION")
broot=$PP_TMP/build-root
root=$PP_TMP/root
debdir=$PP_TMP/deb
builder=ppbuild
src=/home/$builder/pam-powermail-$version
buildlog=$PP_TMP/build.log
db=pp_deb
service=pp-deb
PW='s3cr3t!'

# must DESCRIPTION COMMAND...: tap.bash's check, and the end when it fails (what
# follows needs it).
must() {
    local before=$failed
    check "$@"
    if [[ $failed -ne $before ]]; then
        echo "1..$n"
        exit 1
    fi
}
# in_root / in_broot CMD...: CMD inside the install / build root, as root.
in_root() { "$PP_TOP/tools/root.sh" run "$root" "$@"; }
in_broot() { "$PP_TOP/tools/root.sh" run "$broot" "$@"; }
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" "$@"; }
# apt_get ARGS...: apt-get in the install root, without questions.
apt_get() { in_root env DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@"; }

cleanup() {
    local r
    for r in "$broot" "$root"; do
        "$PP_TOP/tools/root.sh" destroy "$r" >/dev/null 2>&1 ||
            echo "# could not remove $r" >&2
    done
    psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
}
on_exit cleanup

# copy_tree DIR: what git tracks, and new files it does not ignore, into DIR.
copy_tree() {
    mkdir -p "$1" &&
        git -C "$PP_TOP" ls-files -z --cached --others --exclude-standard |
        (cd "$PP_TOP" && xargs -0 cp --parents -t "$1")
}

# --- two fresh roots of this release --------------------------------------------
must "a fresh Debian $release root (tools/root.sh make)" "$PP_TOP/tools/root.sh" make "$release" "$broot"
# The install root is a copy taken now, before anything is installed in
# the build root: the same as a second debootstrap, in seconds.
must "a second one for the install (a copy of it, nothing installed yet)" cp -a "$broot" "$root"

# --- the build: build-essential and the Build-Depends, no root, no network ---
must "an unprivileged user $builder in the build root" \
    in_broot useradd --create-home --shell /bin/bash "$builder"
must "a copy of the tree in its $src" copy_tree "$broot$src"
chown -R --reference="$broot/home/$builder" "$broot$src"
must "build-essential and the Build-Depends only (apt-get build-dep; git, ca-certificates removed)" \
    in_broot env DEBIAN_FRONTEND=noninteractive bash -c "
        apt-get update -q && apt-get install -y -q --no-install-recommends build-essential &&
        apt-get build-dep -y -q --no-install-recommends $src &&
        apt-get purge -y -q --autoremove git ca-certificates"

# The build user's shell: first a probe of the network (the harness's
# PostgreSQL on 127.0.0.1, and the interfaces it sees), then the build.
cat >"$broot/home/$builder/build.sh" <<EOF
#!/bin/bash
if (exec 3<>/dev/tcp/127.0.0.1/$PGPORT) 2>/dev/null; then
    echo "probe: 127.0.0.1:$PGPORT reachable"
else
    echo "probe: 127.0.0.1:$PGPORT unreachable"
fi
echo "probe: interfaces: \$(awk -F: 'NR > 2 { gsub(/ /, "", \$1); printf "%s ", \$1 }' /proc/net/dev)"
echo "probe: uid \$(id -u)"
[[ \${1:-} == probe ]] && exit 0
cd $src && exec dpkg-buildpackage -us -uc -b
EOF
as_builder=(runuser -u "$builder" -- env HOME="/home/$builder" bash "/home/$builder/build.sh")
out=$(in_broot "${as_builder[@]}" probe 2>&1)
check "the probe run by $builder outside a network namespace reaches 127.0.0.1:$PGPORT" \
    grep -qx "probe: 127.0.0.1:$PGPORT reachable" <<<"$out"

SECONDS=0
in_broot unshare --net -- "${as_builder[@]}" >"$buildlog" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "dpkg-buildpackage -us -uc -b as $builder, offline, on Debian $release (${SECONDS}s)"
else
    not_ok_diag "dpkg-buildpackage -us -uc -b as $builder, offline, on Debian $release (exit $rc)" \
        "$(tail -n 30 "$buildlog")"
fi
check "the build ran as an unprivileged user" \
    bash -c "grep -x 'probe: uid [0-9]*' '$buildlog' | grep -qvx 'probe: uid 0'"
check "the build had no network: 127.0.0.1:$PGPORT unreachable" \
    grep -qx "probe: 127.0.0.1:$PGPORT unreachable" "$buildlog"
check "the build had no network: no interface but lo" grep -qx "probe: interfaces: lo " "$buildlog"

# The unit tier's result line (dh_auto_test runs make check-unit).
unit=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$buildlog")
if [[ $unit =~ ^([0-9]+)\ passed,\ 0\ failed$ && ${BASH_REMATCH[1]} -gt 0 ]]; then
    ok "the build log has the unit tests' result: $unit"
else
    not_ok "the build log has the unit tests' result, N passed, 0 failed (it has '${unit:-nothing}')"
fi

# blhc as for a package built with hardening=+all.  Its exit status is a
# bit mask: 1 no compiler line at all, 4 a non-verbose build, 8 a missing
# flag.  That it reads the compile lines shows when a flag is taken out.
ncc=$(grep -cE ' -c [^ ]+\.c( |$)' "$buildlog")
out=$(blhc --debian --all "$buildlog" 2>&1)
rc=$?
if [[ $rc -eq 0 && -z $out && $ncc -gt 0 ]]; then
    ok "blhc --debian --all: nothing missing on the build log's $ncc compile lines ($(blhc --version | awk 'NR == 1 { print $1, $2 }'))"
else
    not_ok_diag "blhc --debian --all: nothing missing on the $ncc compile lines (exit $rc)" "$out"
fi
sed 's/ -fstack-protector-strong / /' "$buildlog" >"$PP_TMP/build-mutated.log"
blhc --debian --all "$PP_TMP/build-mutated.log" >/dev/null 2>&1
rc=$?
check "blhc reads the compile lines: without -fstack-protector-strong it says a flag is missing (exit $rc)" \
    test $((rc & 8)) -eq 8
grep -vE ' -c [^ ]+\.c( |$)|^(cc|gcc) ' "$buildlog" >"$PP_TMP/build-nocc.log"
blhc --debian --all "$PP_TMP/build-nocc.log" >/dev/null 2>&1
rc=$?
check "and a log without compile lines fails blhc (exit $rc)" test "$rc" -ne 0

mkdir -p "$debdir"
cp "$broot/home/$builder"/*.deb "$debdir/" 2>/dev/null
deb=$(ls "$debdir"/libpam-powermail_*_*.deb 2>/dev/null | head -n 1)
[[ -n $deb ]] || bail "the build left libpam-powermail_*.deb"
"$PP_TOP/tools/root.sh" destroy "$broot" >/dev/null 2>&1 || echo "# could not remove $broot" >&2
check "its version is the project's ($version)" test "$(dpkg-deb -f "$deb" Version)" = "$version"

# --- lintian ----------------------------------------------------------------------
# The source package too (dpkg-source -b of a copy of the tree), for
# lintian's checks of debian/ itself, debian/tests/control among them.
copy_tree "$PP_TMP/srcpkg/pam-powermail-$version"
check "a source package (dpkg-source -b)" \
    bash -c "cd '$PP_TMP/srcpkg' && dpkg-source -b 'pam-powermail-$version'"
dsc=$PP_TMP/srcpkg/pam-powermail_$version.dsc
check "its .dsc says Testsuite: autopkgtest" grep -qx 'Testsuite: autopkgtest' "$dsc"
# Every error or warning lintian has must have a written override.
lint=$(lintian "$debdir"/*.deb "$dsc" 2>&1 | grep -v '^running with root')
if grep -Eq '^[EW]: ' <<<"$lint"; then
    not_ok_diag "lintian: no error and no warning without an override (debian/*.lintian-overrides)" "$lint"
else
    ok "lintian: no error and no warning without an override ($(lintian --version))"
fi
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends holds no PostgreSQL server and no Dovecot ($depends)" \
    bash -c "! grep -Eq 'postgresql|dovecot' <<<'$depends'"

# --- the second root, and the package installed there ---------------------------
# No service starts in the root: it shares this machine's network (the
# autopkgtest's postgresql would start a cluster on port 5432).
printf '#!/bin/sh\n# t_deb.sh: no service starts in this root\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/"
must "apt-get update in the install root" apt_get update
must "apt-get install ./$(basename "$deb") alone pulls in what it needs" \
    apt_get install --no-install-recommends "/tmp/$(basename "$deb")"

pamdir=/usr/lib/$multiarch/security
for f in "$pamdir/pam_powermail.so" /usr/sbin/pptool /usr/share/man/man8/pam_powermail.8.gz \
    /usr/share/man/man8/pptool.8.gz /usr/share/man/man5/pam_powermail.conf.5.gz \
    /usr/share/libpam-powermail/sql/schema.sql /usr/share/doc/libpam-powermail/INSTALL.gz \
    /usr/share/doc/libpam-powermail/README.Debian /usr/share/doc/libpam-powermail/copyright \
    /usr/share/libpam-powermail/fail2ban/filter.d/pam_powermail.conf \
    /usr/share/libpam-powermail/fail2ban/jail.d/pam_powermail.conf.example \
    /etc/fail2ban/filter.d/pam_powermail.conf \
    /usr/share/libpam-powermail/sql/mailserver.sql \
    $(cd "$PP_TOP/etc" && printf '/usr/share/libpam-powermail/%s ' postfix/*.cf dovecot/*/*); do
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

# --- the autopkgtest, on the installed package -------------------------------------
# -B: no build, the test's Depends from the archive and what is installed
# (libpam-powermail is); the source tree gives debian/tests only.  Exit 0
# means every test passed: 2 is a skip, 4 a failure, 8 no test ran.
must "a copy of the tree in the install root's /tmp/src (for its debian/tests)" copy_tree "$root/tmp/src"
must "autopkgtest and pamtester installed there" apt_get install --no-install-recommends autopkgtest pamtester
# autopkgtest ARGS...: its exit status; its log in $PP_TMP/autopkgtest.log.
autopkgtest_run() {
    in_root autopkgtest -B --no-auto-control --summary-file=/tmp/autopkgtest.summary "$@" \
        /tmp/src -- null >"$PP_TMP/autopkgtest.log" 2>&1
}
autopkgtest_run
rc=$?
summary=$(cat "$root/tmp/autopkgtest.summary" 2>/dev/null)
result=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$PP_TMP/autopkgtest.log")
if [[ $rc -eq 0 ]] && grep -Eqx 'login +PASS' <<<"$summary" && [[ $result =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
    ok "autopkgtest (null runner) on the installed package: login PASS, $result"
else
    not_ok_diag "autopkgtest (null runner) on the installed package: exit $rc, '${summary:-no summary}'" \
        "$(tail -n 40 "$PP_TMP/autopkgtest.log")"
fi
check "after it, the package's files are as installed (dpkg --verify says nothing)" \
    test -z "$(chroot "$root" dpkg --verify libpam-powermail 2>&1)"
check "and its PAM service is gone" test ! -e "$root/etc/pam.d/pam-powermail-autopkgtest"
# A failing test fails the run: the same call on a test that fails.
printf '%s\n' 'Test-Command: echo "0 passed, 1 failed"; exit 1' 'Depends: @' 'Restrictions: needs-root' \
    >"$root/tmp/failing.control"
autopkgtest_run --override-control=/tmp/failing.control
rc=$?
check "a failing autopkgtest exits 4 and says FAIL (exit $rc)" \
    bash -c "test $rc -eq 4 && grep -Eq 'FAIL' '$root/tmp/autopkgtest.summary'"

# --- a login through the installed module -----------------------------------
# The userbase: a database of its own, loaded from the packaged schema.sql.
out=$(psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>&1 &&
    psql_su -d "$db" -f "$root/usr/share/libpam-powermail/sql/schema.sql" 2>&1 &&
    psql_su -d "$db" -f "$PP_TOP/sql/sample.sql" 2>&1)
rc=$?
if [[ $rc -eq 0 ]]; then
    ok "database $db from the packaged schema.sql, with the sample rows"
else
    not_ok_diag "database $db from the packaged schema.sql" "$out"
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
    apt_get install "/tmp/libpam-powermail_${version}+t1.deb"
check "after the upgrade dpkg says $version+t1" \
    test "$(chroot "$root" dpkg-query -W -f='${Version}' libpam-powermail)" = "$version+t1"
check "the upgrade kept the edited /etc/pam_powermail.conf" \
    grep -q "^postgresql-database = $db\$" "$root/etc/pam_powermail.conf"
check "and its mode 0600" test "$(stat -c %a "$root/etc/pam_powermail.conf")" = 600
check "a login after the upgrade: authenticated" login info@example.com "$PW"

# --- purge: nothing left --------------------------------------------------------
check "apt-get purge libpam-powermail" \
    apt_get purge libpam-powermail
for f in "$pamdir/pam_powermail.so" /usr/sbin/pptool /etc/pam_powermail.conf \
    /etc/fail2ban/filter.d/pam_powermail.conf \
    /usr/share/libpam-powermail /usr/share/doc/libpam-powermail; do
    check "purged: $f is gone" test ! -e "$root$f"
done
for pattern in pam_powermail pptool libpam-powermail; do
    check "dpkg -S $pattern finds nothing" test -z "$(chroot "$root" dpkg -S "$pattern" 2>/dev/null)"
done

# What it costs, for CI's budget.
echo "# t_deb.sh on Debian $release: $(($(date +%s) - start))s"
echo "1..$n"
[[ $failed -eq 0 ]]
