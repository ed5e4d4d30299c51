#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Dovecot's password schemes, both ways, against Dovecot itself (doveadm pw):
#
#   1. doveadm is installed (make check installs dovecot-core).
#   2. Every scheme `doveadm pw -l` lists and pptool knows (Dovecot's name
#      matched case-insensitively against pptool's names and aliases, taken
#      from `pptool schemes`): `doveadm pw -s SCHEME -p PW` makes a value that
#      `pptool verify` accepts with PW and refuses with a wrong password, for
#      the passwords 'test', 'Pa ss:w0rd!' and 'pässwörd-€'; and the module,
#      through pamtester under pam_wrapper, accepts the 'Pa ss:w0rd!' value
#      from a database row and refuses a wrong password.
#   3. The schemes doveadm lists that pptool does not know are exactly
#      DIGEST-MD5 (needs the user name and realm) and OTP (one-time), in
#      Dovecot 2.3 and 2.4 alike; the schemes only one series writes
#      (tests/dovecot.bash: 2.4's ARGON2) are among those checked in 2.
#   4. Every scheme both can generate: `pptool hash SCHEME PW` (Dovecot's
#      spelling of the name) makes a value `doveadm pw -t` accepts with PW and
#      refuses with a wrong password.
#   5. The .HEX, .B64 and .BASE64 encodings of the digest schemes, as doveadm
#      writes them and with the suffix in lower case, verify with pptool; the
#      .hex and .b64 values pptool writes verify with doveadm.
#   6. Non-default rounds (SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, PBKDF2)
#      verify with pptool.
#
# Wrong passwords differ from the right one in the first character only:
# DES-CRYPT sees just the first 8 characters, and a near miss is the better
# test for the others.
#
# PLAIN-TRUNC: doveadm writes {PLAIN-TRUNC}PW, without the "N-" length prefix
# the scheme's format needs, and Dovecot cannot verify its own value; that
# direction is checked to fail in doveadm and skipped for pptool, and a value
# in the real format ({PLAIN-TRUNC}N-PW, which doveadm verifies) is used
# instead.
#
# Needs the environment tests/run-tests.sh gives (tests/CONVENTIONS.md).
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
# shellcheck source=tests/dovecot.bash
. "$(dirname "${BASH_SOURCE[0]}")/dovecot.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PP_PGSUPER PP_PGDB PP_PGCTL

pptool=$PP_BUILD/pptool
module=$PP_BUILD/pam_powermail.so
svcdir=$PP_TMP/pam.d
conf=$PP_TMP/pam_powermail.conf
service=pp_dovecot_schemes
domain=dovecot.test

passwords=('test' 'Pa ss:w0rd!' 'pässwörd-€')
pam_pw='Pa ss:w0rd!'       # the one password pamtester tries, per scheme
enc_pw='Pa ss:w0rd!'       # the encodings' password
rounds_pw='pässwörd-€'     # the rounds' password

# Dovecot's digest schemes, whose values may carry an encoding suffix.
digest_schemes=(SHA SHA1 SSHA SHA256 SSHA256 SHA512 SSHA512 PLAIN-MD5 LDAP-MD5 SMD5
    PLAIN-MD4 CRAM-MD5)
# What pptool deliberately does not do.
expected_unknown="DIGEST-MD5 OTP"

# wrong_of PW: PW with its first character replaced.
wrong_of() { printf 'X%s' "${1:1}"; }

# Passwords and values go to PP_SECRETS, which the harness looks for in
# everything the module logged.  Not 'test' (nor 'Xest'): it never reaches the
# module (pamtester only tries 'Pa ss:w0rd!' and its wrong twin), and as a
# secret it would match every logged mailbox name in a .test domain.
add_secret() {
    local v
    [[ -n ${PP_SECRETS:-} ]] || return 0
    for v in "$@"; do
        # {PLAIN}test is the secret "test" to the harness: left out, as above.
        [[ ${v#\{*\}} == test ]] || printf '%s\n' "$v" >>"$PP_SECRETS"
    done
}
for pw in "${passwords[@]}"; do
    [[ $pw == test ]] || add_secret "$pw" "$(wrong_of "$pw")"
done

psql_su() {
    psql -X -q -tA -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" "$@"
}
# set_row MAILBOX STORED: a hosted mailbox with that stored value.
set_row() {
    psql_su -v "m=$1" -v "p=$2" <<'EOF'
insert into mboxes (mbox, password, isforward) values (:'m', :'p', 0)
    on conflict (mbox) do update set password = excluded.password, isforward = 0,
        fwddest = null;
EOF
}
remove_rows() {
    psql_su -v "d=%@$domain" <<<"delete from mboxes where mbox like :'d'" >/dev/null 2>&1
}
on_exit remove_rows

# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"

# pptool_verify LABEL WANT STORED PASSWORD: `pptool verify STORED` with
# PASSWORD on standard input exits WANT.
pptool_verify() {
    local label=$1 want=$2 stored=$3 pw=$4 res rc=0
    res=$(printf '%s\n' "$pw" | "$pptool" verify "$stored" 2>&1) || rc=$?
    if [[ $rc -eq $want ]] && ! sanitizer_report "$res"; then
        ok "$label"
    else
        not_ok "$label (exit $rc, want $want)"
        diag <<<"stored: $stored"$'\n'"$res"
    fi
}

# doveadm_verify LABEL yes|no STORED PASSWORD: `doveadm pw -t` says
# "(verified)" and exits 0, or exits non-zero with "Password mismatch".
doveadm_verify() {
    local label=$1 want=$2 stored=$3 pw=$4 res rc=0
    res=$(doveadm pw -t "$stored" -p "$pw" 2>&1) || rc=$?
    if [[ $want == yes && $rc -eq 0 && $res == *"(verified)"* ]] ||
        [[ $want == no && $rc -ne 0 && $res == *"Password mismatch"* ]]; then
        ok "$label"
    else
        not_ok "$label (exit $rc)"
        diag <<<"stored: $stored"$'\n'"$res"
    fi
}

# doveadm_make VAR PREFIX ARGS...: VAR = `doveadm pw ARGS...`, which must
# exit 0 and start with PREFIX; otherwise a not_ok line and status 1.
doveadm_make() {
    local -n var_=$1
    local prefix=$2 rc=0
    shift 2
    var_=$(doveadm pw "$@" 2>&1) || rc=$?
    if [[ $rc -ne 0 || $var_ != "$prefix"* ]]; then
        not_ok "doveadm pw $* makes a $prefix value (exit $rc)"
        diag <<<"$var_"
        return 1
    fi
    add_secret "$var_"
}

# pptool_make VAR PREFIX SCHEME PASSWORD: VAR = `pptool hash SCHEME PASSWORD`,
# which must exit 0 and start with PREFIX (compared case-insensitively).
pptool_make() {
    local -n var_=$1
    local prefix=$2 rc=0
    var_=$("$pptool" hash "$3" "$4" 2>&1) || rc=$?
    if [[ $rc -ne 0 || ${var_,,} != "${prefix,,}"* ]] || sanitizer_report "$var_"; then
        not_ok "pptool hash $3 '$4' makes a $prefix value (exit $rc)"
        diag <<<"$var_"
        return 1
    fi
    add_secret "$var_"
}

# --- 1. doveadm ------------------------------------------------------------
if ! command -v doveadm >/dev/null; then
    bail "doveadm is not installed: install dovecot-core (make check does)"
fi
ok "doveadm is installed ($(command -v doveadm))"

mapfile -t dv_schemes < <(doveadm pw -l | tr -s ' ' '\n' | sed '/^$/d' | sort)
if [[ ${#dv_schemes[@]} -gt 0 ]]; then
    ok "doveadm pw -l lists ${#dv_schemes[@]} schemes"
else
    not_ok "doveadm pw -l lists no scheme"
fi

# --- pptool's schemes ------------------------------------------------------
declare -A pp_name=()   # lower-case scheme name or alias -> pptool's scheme
declare -A pp_hash=()   # pptool's scheme -> yes|no (can hash)
schemes_out=$("$pptool" schemes 2>&1)
schemes_rc=$?
while read -r name aliases hash _; do
    [[ -n $name && $name != SCHEME ]] || continue
    pp_name[${name,,}]=$name
    pp_hash[$name]=$hash
    if [[ $aliases != - ]]; then
        IFS=, read -ra alias_list <<<"$aliases"
        for a in "${alias_list[@]}"; do
            pp_name[${a,,}]=$name
        done
    fi
done <<<"$schemes_out"
if [[ $schemes_rc -eq 0 && ${#pp_hash[@]} -gt 0 ]]; then
    ok "pptool schemes lists ${#pp_hash[@]} schemes"
else
    not_ok "pptool schemes (exit $schemes_rc)"
    diag <<<"$schemes_out"
fi

common=() unknown=()
for s in "${dv_schemes[@]}"; do
    if [[ -n ${pp_name[${s,,}]:-} ]]; then
        common+=("$s")
    else
        unknown+=("$s")
    fi
done

# --- 3. what pptool leaves out ---------------------------------------------
if [[ "${unknown[*]}" == "$expected_unknown" ]]; then
    ok "pptool knows all of Dovecot $DOVECOT_SERIES's schemes but DIGEST-MD5 (needs user name and realm) and OTP (one-time), left out on purpose"
else
    not_ok "doveadm schemes pptool does not know: '${unknown[*]}', want exactly '$expected_unknown'"
fi
# The schemes only this series writes (tests/dovecot.bash) are listed, and so
# checked both ways below like the others.
for s in $DOVECOT_ONLY_SCHEMES; do
    if [[ " ${common[*]} " == *" $s "* ]]; then
        ok "Dovecot $DOVECOT_SERIES's own scheme $s: doveadm lists it, pptool knows it"
    else
        not_ok "Dovecot $DOVECOT_SERIES's own scheme $s: doveadm pw -l lists it and pptool knows it"
    fi
done

# --- PAM service -----------------------------------------------------------
mkdir -p "$svcdir"
umask 077
# PP_PGCTL is a command prefix (tests/CONVENTIONS.md): unquoted.
# shellcheck disable=SC2086
$PP_PGCTL pamconf >"$conf"
umask 022
cat >"$svcdir/$service" <<EOF
auth     required  $module config=$conf
account  required  $module config=$conf
EOF
use_pam_wrapper "$svcdir"
have_pamtester=yes
if ! command -v pamtester >/dev/null; then
    not_ok "pamtester is not installed: the module checks cannot run"
    have_pamtester=
fi

# --- 2. doveadm's values -> pptool and the module --------------------------
for s in "${common[@]}"; do
    if [[ $s == PLAIN-TRUNC ]]; then
        # doveadm writes no "N-" length prefix: its value is not one.
        if doveadm_make v "{$s}" -s "$s" -p "$pam_pw"; then
            rc=0
            res=$(doveadm pw -t "$v" -p "$pam_pw" 2>&1) || rc=$?
            if [[ $rc -ne 0 && $res == *"PLAIN-TRUNC missing length"* ]]; then
                ok "doveadm's own {PLAIN-TRUNC}PW value fails doveadm pw -t too (missing length: prefix)"
            else
                not_ok "doveadm's own {PLAIN-TRUNC}PW value: doveadm pw -t exit $rc, want 'missing length' (has Dovecot changed?)"
                diag <<<"stored: $v"$'\n'"$res"
            fi
        fi
        ok "# SKIP doveadm's {PLAIN-TRUNC}PW -> pptool verify: not a PLAIN-TRUNC value (Dovecot needs {PLAIN-TRUNC}N-PW)"
    fi
    for pw in "${passwords[@]}"; do
        wrong=$(wrong_of "$pw")
        if [[ $s == PLAIN-TRUNC ]]; then
            v="{$s}$(printf '%s' "$pw" | wc -c)-$pw"
            add_secret "$v"
            doveadm_verify "{PLAIN-TRUNC}N-PW for '$pw': doveadm pw -t accepts it" yes "$v" "$pw"
            what="{PLAIN-TRUNC}N-PW"
        else
            doveadm_make v "{$s}" -s "$s" -p "$pw" || continue
            what="doveadm pw -s $s"
        fi
        pptool_verify "$what '$pw': pptool verify accepts '$pw'" 0 "$v" "$pw"
        pptool_verify "$what '$pw': pptool verify refuses '$wrong'" 1 "$v" "$wrong"
        [[ $pw == "$pam_pw" && -n $have_pamtester ]] || continue
        mbox="dv-${s,,}@$domain"
        if ! set_row "$mbox" "$v"; then
            not_ok "storing $what's value for $mbox"
            continue
        fi
        run_pamtester "$service" "$mbox" "$pw" authenticate
        expect "$what '$pw' in the database: the module accepts '$pw'" yes \
            "successfully authenticated"
        run_pamtester "$service" "$mbox" "$wrong" authenticate
        expect "$what '$pw' in the database: the module refuses '$wrong'" no \
            "Authentication failure"
    done
done

# A cut password: the first N bytes, any longer password that starts so.
v='{PLAIN-TRUNC}4-Pa s'
doveadm_verify "{PLAIN-TRUNC}4-Pa s: doveadm pw -t accepts 'Pa ss:w0rd!'" yes "$v" 'Pa ss:w0rd!'
pptool_verify "{PLAIN-TRUNC}4-Pa s: pptool verify accepts 'Pa ss:w0rd!'" 0 "$v" 'Pa ss:w0rd!'
pptool_verify "{PLAIN-TRUNC}4-Pa s: pptool verify refuses 'Xa ss:w0rd!'" 1 "$v" 'Xa ss:w0rd!'

# --- 4. pptool's values -> doveadm -----------------------------------------
for s in "${common[@]}"; do
    [[ ${pp_hash[${pp_name[${s,,}]}]} == yes ]] || continue
    for pw in "${passwords[@]}"; do
        wrong=$(wrong_of "$pw")
        pptool_make v "{${pp_name[${s,,}]}}" "$s" "$pw" || continue
        doveadm_verify "pptool hash $s '$pw': doveadm pw -t accepts '$pw'" yes "$v" "$pw"
        doveadm_verify "pptool hash $s '$pw': doveadm pw -t refuses '$wrong'" no "$v" "$wrong"
    done
done

# --- 5. encodings ----------------------------------------------------------
wrong=$(wrong_of "$enc_pw")
for s in "${digest_schemes[@]}"; do
    if [[ -z ${pp_name[${s,,}]:-} ]]; then
        not_ok "pptool does not know the digest scheme $s"
        continue
    fi
    for e in HEX B64 BASE64; do
        doveadm_make v "{$s.$e}" -s "$s.$e" -p "$enc_pw" || continue
        lower="{$s.${e,,}}${v#*\}}"
        for x in "$v" "$lower"; do
            stored_as=${x%%\}*}\}
            pptool_verify "doveadm $stored_as '$enc_pw': pptool verify accepts it" 0 "$x" "$enc_pw"
            pptool_verify "doveadm $stored_as '$enc_pw': pptool verify refuses '$wrong'" 1 "$x" "$wrong"
        done
    done
    for e in hex b64; do
        pptool_make v "{" "${s,,}.$e" "$enc_pw" || continue
        doveadm_verify "pptool hash ${s,,}.$e '$enc_pw': doveadm pw -t accepts it" yes "$v" "$enc_pw"
        doveadm_verify "pptool hash ${s,,}.$e '$enc_pw': doveadm pw -t refuses '$wrong'" no "$v" "$wrong"
    done
done

# --- 6. rounds -------------------------------------------------------------
wrong=$(wrong_of "$rounds_pw")
# SCHEME ROUNDS PATTERN (a glob the value must match)
# shellcheck disable=SC2016 # literal crypt patterns
rounds_cases=(
    'SHA512-CRYPT 10000 {SHA512-CRYPT}$6$rounds=10000$*'
    'SHA256-CRYPT 10000 {SHA256-CRYPT}$5$rounds=10000$*'
    'BLF-CRYPT 6 {BLF-CRYPT}$2?$06$*'
    'PBKDF2 10000 {PBKDF2}$1$*$10000$*'
)
for c in "${rounds_cases[@]}"; do
    read -r s r pattern <<<"$c"
    doveadm_make v "{$s}" -s "$s" -r "$r" -p "$rounds_pw" || continue
    # shellcheck disable=SC2053 # a glob on purpose
    if [[ $v == $pattern ]]; then
        ok "doveadm pw -s $s -r $r writes the rounds ($pattern)"
    else
        not_ok "doveadm pw -s $s -r $r: '$v' does not match $pattern"
    fi
    pptool_verify "doveadm pw -s $s -r $r '$rounds_pw': pptool verify accepts it" 0 "$v" "$rounds_pw"
    pptool_verify "doveadm pw -s $s -r $r '$rounds_pw': pptool verify refuses '$wrong'" 1 "$v" "$wrong"
done

echo "1..$n"
[[ $failed -eq 0 ]]
