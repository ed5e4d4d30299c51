#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/deps.sh GROUP... -- install the Debian packages a make target needs.
#
# Groups: build, check, demo, dovecot, mail, root, deb, deb-check.  Prints nothing and exits 0 when every
# package is already installed, so make targets can call it unconditionally.
set -euo pipefail

# The package lists live here and nowhere else.  What differs between the
# Debian releases is the RELEASE_PKGS line of each: the rest is the same on
# Debian 12 (bookworm) and Debian 13 (trixie).
#   libaudit-dev   trixie's pam.pc says "Requires.private: audit", and
#                  libpam0g-dev does not pull it in: without it pkg-config
#                  fails for pam (bookworm's is harmless to have).
#   python3-legacycrypt  Python 3.13 (trixie) has no crypt module; the tests
#                  import tests/py/ppcrypt.py, which takes whichever is there.
declare -A PKGS RELEASE_PKGS
RELEASE_PKGS[bookworm]=""
RELEASE_PKGS[trixie]="python3-legacycrypt"
PKGS[build]="pkg-config gcc make libpam0g-dev libaudit-dev libcrypt-dev libpq-dev libssl-dev libargon2-dev"
PKGS[check]="${PKGS[build]} clang libclang-rt-dev libcmocka-dev libpamtest0-dev libpam-wrapper pamtester postgresql openssl python3 python3-passlib argon2 valgrind procps groff-base pgbouncer"
PKGS[demo]="${PKGS[build]} libpam-wrapper pamtester postgresql"
PKGS[dovecot]="dovecot-core dovecot-pop3d dovecot-imapd curl"
# The other consumers and the ban filter: saslauthd (and testsaslauthd),
# Exim with its PAM authenticator, fail2ban (fail2ban-regex and a private
# fail2ban-server), its journal backend (python3-systemd) and the journald
# that tests/t_fail2ban_journal.sh runs in a namespace (systemd).
PKGS[mail]="sasl2-bin exim4-daemon-heavy fail2ban python3-systemd systemd"
# tools/root.sh: a Debian root of another release.
PKGS[root]="debootstrap"
# make deb (tools/deb.sh; debian/control's Build-Depends come on top), and
# what tests/t_deb.sh runs here: lintian on the package, blhc on its build
# log, debootstrap for its roots (the build and autopkgtest run in those).
PKGS[deb]="dpkg-dev debhelper git"
PKGS[deb-check]="${PKGS[deb]} lintian blhc debootstrap"

release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [[ -n ${RELEASE_PKGS[$release]+set} ]]; then
    PKGS[check]+=" ${RELEASE_PKGS[$release]}"
else
    echo "$0: warning: Debian release '${release:-unknown}' is none of ${!RELEASE_PKGS[*]}:" \
        "installing what they share" >&2
fi

usage() {
    echo "usage: $0 GROUP...   (groups: build check demo dovecot mail root deb deb-check)" >&2
    exit 2
}

[[ $# -gt 0 ]] || usage

wanted=()
for group in "$@"; do
    if [[ -z ${PKGS[$group]:-} ]]; then
        echo "$0: unknown group '$group'" >&2
        usage
    fi
    read -r -a list <<<"${PKGS[$group]}"
    wanted+=("${list[@]}")
done

missing=()
declare -A seen=()
for pkg in "${wanted[@]}"; do
    [[ -z ${seen[$pkg]:-} ]] || continue
    seen[$pkg]=1
    # dpkg-query fails (and complains) for packages it has never heard of.
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "$0: missing packages; install them with:" >&2
    echo "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

# Packages such as postgresql and dovecot start a system service from their
# postinst.  We never use the distribution's default cluster or dovecot
# instance, so forbid service starts during the install with a temporary
# policy-rc.d (honoured by invoke-rc.d and deb-systemd-invoke) unless the
# machine already has one (Docker images usually ship "exit 101").
policy=/usr/sbin/policy-rc.d
own_policy=
cleanup() {
    if [[ -n $own_policy ]]; then rm -f "$policy"; fi
}
trap cleanup EXIT
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, written by tools/deps.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
fi

echo "$0: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# One update per invocation: the package lists may be empty on a fresh machine.
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

# Belt and braces: if a service got started anyway (e.g. the policy file was
# already there but allowed starts), stop the ones we just installed.
for pkg in "${missing[@]}"; do
    case $pkg in
        postgresql)
            if command -v pg_lsclusters >/dev/null; then
                pg_lsclusters -h 2>/dev/null | while read -r ver name _port status _rest; do
                    if [[ $status == online* ]]; then
                        pg_ctlcluster "$ver" "$name" stop || true
                    fi
                done
            fi
            ;;
        dovecot-core)
            # Stops only the instance of the default config (its base_dir).
            if command -v doveadm >/dev/null; then
                doveadm stop >/dev/null 2>&1 || true
            fi
            ;;
    esac
done
