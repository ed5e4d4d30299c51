#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/demo.sh BUILD -- the main job, shown on PowerMail's own examples:
# pptool checks s3cr3t! against each stored form the manual gives and makes
# new values; pam_powermail.so logs each sample mailbox in through PAM; the
# sample userbase goes from PowerMail 1.0 to 1.1 (pptool check,
# migrate-plain, upgrade on login); and a stopped database is refused.
set -euo pipefail
build=${1:-build}
pptool="$build/pptool"

verdict() {
    case $1 in
    0) echo "match" ;;
    1) echo "mismatch" ;;
    2) echo "unknown scheme or malformed" ;;
    *) echo "error ($1)" ;;
    esac
}

echo "== pptool verify: the PowerMail manual's stored forms of s3cr3t!"
printf '%-48s %-10s %-28s %s\n' "STORED" "PASSWORD" "VERDICT" "EXIT"
for stored in '{plain}s3cr3t!' 's3cr3t!' '{crypt}/CFF1gJfAFAqM' \
    '{md5}$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1' '{abc}def'; do
    for password in 's3cr3t!' 's3cr3t'; do
        rc=0
        printf '%s\n' "$password" | "$pptool" verify "$stored" 2>/dev/null || rc=$?
        printf '%-48s %-10s %-28s %s\n' "$stored" "$password" "$(verdict "$rc")" "$rc"
    done
done

echo
echo "== pptool makes new values (salts from getrandom, so they differ each run)"
for cmd in "crypt" "crypt --method sha512" "md5" "sha1" "hash ssha256" "hash argon2id"; do
    # shellcheck disable=SC2086 # cmd is a command and its options
    value=$(printf 's3cr3t!\n' | "$pptool" $cmd)
    rc=0
    printf 's3cr3t!\n' | "$pptool" verify "$value" || rc=$?
    printf 'pptool %-22s %-70s verify: %s\n' "$cmd" "$value" "$(verdict "$rc")"
done

# Part two: the module itself.  A throwaway PostgreSQL cluster with the
# schema and PowerMail's sample rows, pamtester under pam_wrapper (so
# /etc/pam.d is never touched) loading the built pam_powermail.so.
top=$(cd "$(dirname "$0")/.." && pwd)
module="$(cd "$build" && pwd)/pam_powermail.so"
work=$(mktemp -d /tmp/pp-demo.XXXXXX)
chmod 755 "$work" # the cluster runs as postgres when we are root
cleanup() { "$top/tests/pg.sh" destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo
echo "== pam_powermail.so against a PostgreSQL userbase (sql/schema.sql + sql/sample.sql)"
"$top/tests/pg.sh" start "$work/pg" >/dev/null
# shellcheck source=/dev/null
. "$work/pg/env"
psql -q -X -U postgres -d powermail -v ON_ERROR_STOP=1 -f "$top/sql/sample.sql" >/dev/null

mkdir -p "$work/pam.d"
(umask 077 && "$top/tests/pg.sh" pamconf "$work/pg" >"$work/pam_powermail.conf")
printf '%s\n' "auth    required $module config=$work/pam_powermail.conf" \
    "account required $module config=$work/pam_powermail.conf" >"$work/pam.d/powermail-demo"

login() { # login USER PASSWORD: pamtester's verdict, then what the module logged
    local out
    out=$(printf '%s\n' "$2" | LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" PAM_WRAPPER_DEBUGLEVEL=2 \
        pamtester powermail-demo "$1" authenticate acct_mgmt 2>&1 || true)
    printf '%s' "$(grep '^pamtester:\|Password: pamtester:' <<<"$out" | tail -n 1 |
        sed 's/^Password: //; s/^pamtester: //; s/^account management done./success: authenticated, account ok/')"
    grep -o 'SYSLOG([0-9]): .*' <<<"$out" | grep -v '_pam_init_handlers' |
        sed 's/^SYSLOG([0-9]): /\n        module log: /' | tr -d '\r' || true
    echo
}

printf '%-22s %-42s %-9s %s\n' "MAILBOX" "STORED" "PASSWORD" "PAM SAYS"
while IFS='|' read -r mbox stored; do
    for password in 's3cr3t!' 'wrong'; do
        printf '%-22s %-42s %-9s %s' "$mbox" "${stored:-(NULL)}" "$password" \
            "$(login "$mbox" "$password")"
        echo
    done
done < <(psql -X -At -U postgres -d powermail \
    -c "select mbox, case when isforward = 1 then 'forward to ' || fwddest
                          else password end from mboxes order by id")
printf '%-22s %-42s %-9s %s\n' "nobody@example.com" "(no row)" 's3cr3t!' \
    "$(login nobody@example.com 's3cr3t!')"

echo
echo "== PowerMail 1.0 -> 1.1: pptool check, pptool migrate-plain, upgrade on login"
# The operator's configuration: the table's owner, who may write; and
# upgrade-scheme, which pptool auth (a login the module's way) then applies.
(umask 077 && sed -e 's/^postgresql-user = .*/postgresql-user = postgres/' \
    -e '/^postgresql-password/d' "$work/pam_powermail.conf" >"$work/admin.conf" &&
    echo 'upgrade-scheme = {crypt}' >>"$work/admin.conf")
echo "\$ pptool check"
"$pptool" check --config "$work/pam_powermail.conf" | sed 's/^/    /' || true
echo "\$ pptool migrate-plain"
"$pptool" migrate-plain --config "$work/admin.conf" | sed 's/^/    /'
for mbox in legacy@example.com plain@example.com; do
    echo "\$ pptool auth $mbox   (upgrade-scheme = {crypt})"
    printf '%s\n' "$([[ $mbox == legacy* ]] && echo '{abc}def' || echo 's3cr3t!')" |
        "$pptool" auth "$mbox" --config "$work/admin.conf" 2>/dev/null | sed 's/^/    /'
done
echo "\$ pptool check"
"$pptool" check --config "$work/pam_powermail.conf" | sed 's/^/    /' || true

"$top/tests/pg.sh" stop "$work/pg" >/dev/null
echo
printf '%-22s %-42s %-9s %s\n' "info@example.com" "(database stopped)" 's3cr3t!' \
    "$(login info@example.com 's3cr3t!')"
