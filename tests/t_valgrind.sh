#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The PAM path under valgrind memcheck: pamtester, preloaded with
# pam_wrapper, loads the built module and logs in for each kind of answer
# (success, wrong password, unknown, forward, unusable stored value, a
# database error), changes passwords (stored, refused) and upgrades one on
# login.  No memcheck error and no definite leak is allowed.
set -uo pipefail
top=${PP_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
build=${PP_BUILD:-$top/build}
tmp=${PP_TMP:-$(mktemp -d)}
n=0

if [[ -s $build/preload || $(basename "$build") != build ]]; then
    # A sanitized module cannot run under valgrind; the plain build shows it.
    echo "ok 1 # SKIP valgrind runs the plain build"
    exit 0
fi

psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" -f "$top/sql/sample.sql" >/dev/null
mkdir -p "$tmp/pam.d"
(umask 077 && $PP_PGCTL pamconf >"$tmp/pp.conf")
cp "$tmp/pp.conf" "$tmp/badquery.conf"
echo "postgresql-query = select quotaMB,isForward,fwdDest,password from no_such_table where mbox=\$1" \
    >>"$tmp/badquery.conf"
# A role that may write passwords, for the changes and the upgrade.
psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pp_vg_writer') THEN
    CREATE ROLE pp_vg_writer LOGIN;
  END IF;
END $$;
ALTER ROLE pp_vg_writer PASSWORD 'pp-vg-writer-1';
GRANT SELECT, UPDATE (password) ON mboxes TO pp_vg_writer;
INSERT INTO mboxes (mbox, password) VALUES ('vg-change@example.com', '{plain}Vg-old-1'),
    ('vg-upgrade@example.com', '{plain}Vg-weak-2')
  ON CONFLICT (mbox) DO UPDATE SET password = EXCLUDED.password;
SQL
sed -e 's/^postgresql-user = .*/postgresql-user = pp_vg_writer/' \
    -e 's/^postgresql-password = .*/postgresql-password = pp-vg-writer-1/' "$tmp/pp.conf" >"$tmp/writer.conf"
echo "upgrade-scheme = {crypt}" >>"$tmp/writer.conf"
chmod 600 "$tmp/writer.conf"
for svc in pp badquery writer; do
    conf=$tmp/$svc.conf
    printf '%s\n' "auth required $build/pam_powermail.so config=$conf" \
        "account required $build/pam_powermail.so config=$conf" \
        "password required $build/pam_powermail.so config=$conf" >"$tmp/pam.d/$svc"
done
echo "auth required pam_deny.so" >"$tmp/pam.d/other"

# memcheck SERVICE USER INPUT WANT DESCRIPTION [OPERATION...]: pamtester
# reads INPUT's lines as the answers; the operations are authenticate and
# acct_mgmt unless given.
memcheck() {
    local out rc ops=(authenticate acct_mgmt)
    n=$((n + 1))
    [[ $# -gt 5 ]] && ops=("${@:6}")
    out=$(printf '%s\n' "$3" | LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$tmp/pam.d" \
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite pamtester "$1" "$2" "${ops[@]}" 2>&1)
    rc=$?
    if [[ $rc -ne 99 ]] && ! grep -q '== ERROR SUMMARY: [1-9]' <<<"$out" &&
        grep -q "$4" <<<"$out"; then
        echo "ok $n - memcheck clean: $5"
    else
        echo "not ok $n - memcheck: $5 (exit $rc)"
        sed 's/^/# /' <<<"$out" | head -n 40
    fi
}

memcheck pp info@example.com 's3cr3t!' 'successfully authenticated' "right password"
memcheck pp md5@example.com 's3cr3t!' 'successfully authenticated' "right password, {md5}"
memcheck pp info@example.com 'wrong' 'Authentication failure' "wrong password"
memcheck pp nobody@example.com 's3cr3t!' 'User not known' "unknown address"
memcheck pp forward@example.com 's3cr3t!' 'Authentication failure' "forward address"
memcheck pp legacy@example.com '{abc}def' 'Authentication failure' "unknown scheme"
memcheck badquery info@example.com 's3cr3t!' 'cannot retrieve authentication info' "query error"
memcheck writer vg-change@example.com $'Vg-new-3\nVg-new-3' 'authentication token altered successfully' \
    "password changed" chauthtok
memcheck pp vg-change@example.com $'Vg-new-4\nVg-new-4' 'Authentication token manipulation error' \
    "password change refused: SELECT-only role" chauthtok
memcheck writer vg-change@example.com 'Vg-new-3' 'successfully authenticated' "the new password"
memcheck writer vg-upgrade@example.com 'Vg-weak-2' 'successfully authenticated' \
    "a login that upgrades {plain}"
