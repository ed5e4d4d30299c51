#!/usr/bin/env bash
# The PAM path under valgrind memcheck: pamtester, preloaded with
# pam_wrapper, loads the built module and logs in for each kind of answer
# (success, wrong password, unknown, forward, unusable stored value, a
# database error).  No memcheck error and no definite leak is allowed.
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
for svc in pp badquery; do
    conf=$tmp/pp.conf
    [[ $svc == badquery ]] && conf=$tmp/badquery.conf
    printf '%s\n' "auth required $build/pam_powermail.so config=$conf" \
        "account required $build/pam_powermail.so config=$conf" >"$tmp/pam.d/$svc"
done
echo "auth required pam_deny.so" >"$tmp/pam.d/other"

# memcheck SERVICE USER PASSWORD WANT DESCRIPTION
memcheck() {
    local out rc
    n=$((n + 1))
    out=$(printf '%s\n' "$3" | LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$tmp/pam.d" \
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite pamtester "$1" "$2" authenticate acct_mgmt 2>&1)
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
