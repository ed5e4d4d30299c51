#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `pptool check` and weak-schemes, in a database of its own: values in the
# schemes Dovecot 2.4 calls weak ({ntlm}, {lanman}, {rpa}, {plain-md4},
# {hmac-md5}, {md5}, DES and MD5-crypt under {crypt}) next to strong ones
# ({cram-md5}, {plain}, unprefixed, {sha512-crypt}, {crypt} yescrypt).
#
#   weak-schemes = allow (and unset): check counts them, by scheme, says
#   they log in, names each with --verbose, and exits 0;
#   weak-schemes = refuse: check names each under "cannot log in" (and no
#   strong one), says to re-hash, exits 1;
#   a bad value of the key: exit 2, the key named;
#   no output holds a stored value or the password.
#
# Needs the environment tests/run-tests.sh gives (tests/CONVENTIONS.md).
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER

pptool=$PP_BUILD/pptool
db=pp_weak_check
pw='Weak-Check.pw9'

psql_su() {
    local d=$1
    shift
    psql -X -q -tA -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$d" "$@"
}
psql_su postgres -c "drop database if exists $db" -c "create database $db" >/dev/null || exit 1
trap 'psql_su postgres -c "drop database if exists $db" >/dev/null 2>&1' EXIT
psql_su "$db" -f "$PP_TOP/sql/schema.sql" >/dev/null || exit 1

# MAILBOX -> SCHEME[:METHOD] of its value (made by pptool hash).
declare -A weak=(
    [ntlm@wc.test]=ntlm [lanman@wc.test]=lanman [rpa@wc.test]=rpa [md4@wc.test]=plain-md4
    [hmac@wc.test]=hmac-md5 [md5crypt@wc.test]=md5 [des@wc.test]=crypt:des
    [cryptmd5@wc.test]=crypt:md5
)
declare -A strong=(
    [cram@wc.test]=cram-md5 [plain@wc.test]=plain [sha512@wc.test]=sha512-crypt
    [yes@wc.test]=crypt
)
values=()
add_row() { # MAILBOX VALUE
    values+=("$2")
    psql_su "$db" -v "m=$1" -v "p=$2" \
        <<<"insert into mboxes (mbox, password, isforward) values (:'m', :'p', 0)" || exit 1
}
for m in "${!weak[@]}" "${!strong[@]}"; do
    spec=${weak[$m]:-${strong[$m]:-}}
    if [[ $spec == *:* ]]; then
        v=$("$pptool" crypt --method "${spec#*:}" "$pw")
    else
        v=$("$pptool" hash "$spec" "$pw")
    fi
    [[ $v == '{'*'}'?* ]] || { echo "Bail out! pptool hash $spec: '$v'"; exit 1; }
    add_row "$m" "$v"
done
add_row unprefixed@wc.test "$pw"
[[ -n ${PP_SECRETS:-} ]] && printf '%s\n' "$pw" "${values[@]}" >>"$PP_SECRETS"

umask 077
conf() { # FILE EXTRA
    printf '%s\n' "postgresql-host = $PGHOST" "postgresql-port = $PGPORT" \
        "postgresql-database = $db" "postgresql-user = $PP_PGSUPER" "$2" >"$1"
}
conf "$PP_TMP/unset.conf" ""
conf "$PP_TMP/allow.conf" "weak-schemes = allow"
conf "$PP_TMP/refuse.conf" "weak-schemes = refuse"
conf "$PP_TMP/bad.conf" "weak-schemes = yes"
umask 022

# no_secret LABEL OUTPUT: neither the password nor a stored value's body.
no_secret() {
    local v leaked=
    for v in "$pw" "${values[@]}"; do
        [[ $2 == *"${v#\{*\}}"* ]] && leaked+=" ${v%%\}*}}"
    done
    check "$1: no password or stored value in the output (leaked:${leaked:- none})" test -z "$leaked"
}

nweak=${#weak[@]}
for c in unset allow; do
    out=$("$pptool" check --config "$PP_TMP/$c.conf" 2>&1)
    rc=$?
    check "weak-schemes $c: check exits 0 (weak values log in)" test "$rc" -eq 0
    check "weak-schemes $c: '$nweak' in a weak scheme, allowed" \
        grep -qx "weak scheme (Dovecot 2.4's list): $nweak (weak-schemes = allow: they log in; refuse would refuse them)" <<<"$out"
    check "weak-schemes $c: nobody cannot log in" grep -qx 'cannot log in: 0' <<<"$out"
    for s in '{ntlm}' '{lanman}' '{rpa}' '{plain-md4}' '{hmac-md5}' '{md5}' '{crypt} des' '{crypt} md5'; do
        check "weak-schemes $c: $s counted once among the weak schemes" \
            grep -qE "^  $s +1\$" <<<"$(sed -n '/^weak scheme, by scheme:$/,$p' <<<"$out")"
    done
    check "weak-schemes $c: no strong scheme among them" \
        test "$(sed -n '/^weak scheme, by scheme:$/,$p' <<<"$out" | grep -cE '^  \{')" -eq "$nweak"
    no_secret "weak-schemes $c" "$out"
done

out=$("$pptool" check --verbose --config "$PP_TMP/allow.conf" 2>&1)
for m in "${!weak[@]}"; do
    check "check --verbose names $m in a weak scheme" grep -qE "^  weak scheme: $m: \{" <<<"$out"
done
check "check --verbose names no strong one so" test "$(grep -c '^  weak scheme: ' <<<"$out")" -eq "$nweak"

out=$("$pptool" check --config "$PP_TMP/refuse.conf" 2>&1)
rc=$?
check "weak-schemes refuse: check exits 1 (they cannot log in)" test "$rc" -eq 1
for m in "${!weak[@]}"; do
    check "weak-schemes refuse: $m cannot log in, re-hash it" \
        grep -qx "  $m: in a weak scheme, refused (weak-schemes = refuse): re-hash it" <<<"$out"
done
check "weak-schemes refuse: those $nweak and no other cannot log in" \
    test "$(grep -c '^  [^ ]*@wc.test: ' <<<"$out")" -eq "$nweak"
check "weak-schemes refuse: the count says so" \
    grep -qx "weak scheme (Dovecot 2.4's list): $nweak (weak-schemes = refuse: they cannot log in; re-hash them)" <<<"$out"
no_secret "weak-schemes refuse" "$out"

out=$("$pptool" check --config "$PP_TMP/bad.conf" 2>&1)
rc=$?
check "weak-schemes = yes: a configuration error (exit 2)" test "$rc" -eq 2
check "weak-schemes = yes: the key is named" grep -q 'bad value for weak-schemes: expected allow or refuse' <<<"$out"

echo "1..$n"
[[ $failed -eq 0 ]]
