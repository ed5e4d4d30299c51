#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# weak-schemes = refuse against Dovecot's own verdict.  One value of each
# scheme `pptool hash` makes (and {crypt} in every method: DES and MD5-crypt
# are weak there, the others not), all of the same password, are:
#
#   1. in a passwd-file that a private Dovecot instance reads (its own
#      password schemes, no PAM; tests/dovecot.bash), asked with `doveadm
#      auth test`:
#        - Dovecot 2.4, auth_allow_weak_schemes = no: Dovecot refuses a
#          value exactly when the module with weak-schemes = refuse does
#          (its .weak rows; and the schemes it no longer has, NTLM, LANMAN,
#          RPA, which it refuses always);
#        - Dovecot 2.4, auth_allow_weak_schemes = yes: every value in a
#          scheme Dovecot has logs in (so a refusal above is Dovecot's
#          weakness verdict, not a value it cannot read);
#        - Dovecot 2.3 has no such setting and refuses no scheme it has:
#          every value in a scheme it has logs in; the comparison is
#          skipped, and says so;
#   2. in the database, through the module (pamtester under pam_wrapper)
#      with weak-schemes = refuse: refused, with the "re-hash" line, when
#      the scheme is on the module's weak list, else in.
#
# `doveadm pw` cannot tell: it allows weak schemes whatever the setting
# (doveadm-pw.c calls password_schemes_allow_weak(TRUE)).
#
# Needs the environment tests/run-tests.sh gives (tests/CONVENTIONS.md), and
# root (Dovecot's users), as t_dovecot.sh.
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
# shellcheck source=tests/dovecot.bash
. "$(dirname "${BASH_SOURCE[0]}")/dovecot.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PP_PGSUPER PP_PGDB PP_PGCTL
PATH=$PATH:/usr/sbin:/sbin

pptool=$PP_BUILD/pptool
module=$PP_BUILD/pam_powermail.so
domain=dvweak.test
pw='Dv-Weak.Pass7'       # no ':' (passwd-file), 8 distinct leading bytes (DES)

missing=()
need_commands dovecot doveadm doveconf pamtester
[[ -n $DOVECOT_SERIES ]] || missing+=("Dovecot 2.3 or 2.4")
[[ -n $(dovecot_libexec) ]] || missing+=("dovecot's auth binary")
end_if_missing "(tools/deps.sh)"
ok "prerequisites: Dovecot $(dovecot --version | cut -d' ' -f1) (series $DOVECOT_SERIES), pamtester"

# --- the values --------------------------------------------------------------
mapfile -t dv_schemes < <(doveadm pw -l | tr -s ' ' '\n' | sed '/^$/d')
dv_knows() { [[ " ${dv_schemes[*]^^} " == *" ${1^^} "* ]]; }

users=()                # passwd-file and mailbox local parts
declare -A value=()     # user -> stored value
declare -A scheme_of=() # user -> the scheme's name
while read -r name _ hash _; do
    [[ -n $name && $name != SCHEME && $hash == yes ]] || continue
    if [[ $name == crypt ]]; then
        for m in yescrypt bcrypt sha512 sha256 md5 des; do
            u=w-crypt-$m
            value[$u]=$("$pptool" crypt --method "$m" "$pw") || value[$u]=
            scheme_of[$u]=crypt
            users+=("$u")
        done
        continue
    fi
    u=w-$name
    value[$u]=$("$pptool" hash "$name" "$pw") || value[$u]=
    scheme_of[$u]=$name
    users+=("$u")
done < <("$pptool" schemes)
made=0
for u in "${users[@]}"; do
    if [[ ${value[$u]} == '{'*'}'?* && ${value[$u]} != *:* ]]; then
        made=$((made + 1))
    else
        not_ok "pptool made a value for $u without ':' (${value[$u]%%\}*}})"
    fi
done
[[ $made -eq ${#users[@]} ]] && ok "pptool made ${#users[@]} values, one per scheme and crypt method"
if [[ -n ${PP_SECRETS:-} ]]; then
    printf '%s\n' "$pw" "${value[@]}" >>"$PP_SECRETS"
fi

# --- the module's verdict ----------------------------------------------------
psql_su() { psql -X -q -tA -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$PP_PGDB" "$@"; }
remove_rows() {
    psql_su -v "d=%@$domain" <<<"delete from mboxes where mbox like :'d'" >/dev/null 2>&1
}
svcdir=$PP_TMP/pam.d
mkdir -p "$svcdir"
umask 077
# shellcheck disable=SC2086 # PP_PGCTL is a command prefix
{ $PP_PGCTL pamconf && echo "weak-schemes = refuse"; } >"$PP_TMP/refuse.conf"
umask 022
printf 'auth required %s config=%s\naccount required %s config=%s\n' \
    "$module" "$PP_TMP/refuse.conf" "$module" "$PP_TMP/refuse.conf" >"$svcdir/pp_weak"
# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

declare -A ours=()      # user -> refused | in
for u in "${users[@]}"; do
    psql_su -v "m=$u@$domain" -v "p=${value[$u]}" <<'EOF' || { not_ok "storing $u"; continue; }
insert into mboxes (mbox, password, isforward) values (:'m', :'p', 0)
    on conflict (mbox) do update set password = excluded.password, isforward = 0;
EOF
    run_pamtester pp_weak "$u@$domain" "$pw" authenticate
    if [[ $rc -eq 0 ]]; then
        ours[$u]=in
    elif [[ $out == *"mailbox $u@$domain: stored value in weak scheme {${scheme_of[$u]}}"*"refused (weak-schemes = refuse): re-hash it"* ]]; then
        ours[$u]=refused
    else
        ours[$u]=other
        not_ok "the module with weak-schemes = refuse: $u neither in nor refused as weak (exit $rc)"
        diag <<<"$out"
    fi
done
remove_rows

# --- Dovecot's verdict -------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then
    DV_MAIL_UID=$(id -u nobody) DV_MAIL_GID=$(id -g nobody)
    DV_LOGIN_USER=dovenull DV_INTERNAL_USER=dovecot
else
    DV_MAIL_UID=$(id -u) DV_MAIL_GID=$(id -g)
    DV_LOGIN_USER=$(id -un) DV_INTERNAL_USER=$(id -un)
fi
DV_INSTANCE=pp-t-dovecot-weak DV_RUN=$PP_TMP/run DV_STATE=$PP_TMP/state
DV_LOG=$PP_TMP/dovecot.log DV_MAIL=$PP_TMP/mail DV_WORKER=$PP_TMP/auth-worker
DV_PAM_MAX_REQUESTS=100 DV_CONF=$PP_TMP/dovecot.conf DV_PAMD=$svcdir
DV_MARKER=$PP_TMP/.marker DV_PASSWD_FILE=$PP_TMP/passwd
mkdir -p "$DV_RUN" "$DV_STATE" "$DV_MAIL"
touch "$DV_MARKER"
for u in "${users[@]}"; do
    printf '%s:%s\n' "$u" "${value[$u]}"
done >"$DV_PASSWD_FILE"
chmod 644 "$DV_PASSWD_FILE"   # read by the auth process, as dovecot
cleanup() {
    dovecot_stop >/dev/null 2>&1
    local d
    for d in $(dovecot_pam_dirs); do rm -rf -- "$d"; done
    remove_rows
}
on_exit cleanup

# dovecot_verdicts ALLOW VAR: start Dovecot (ALLOW: auth_allow_weak_schemes,
# or empty), VAR[user] = in | refused by doveadm auth test, stop it.
dovecot_verdicts() {
    local -n verdict_=$2
    local u res rc
    DV_ALLOW_WEAK=$1
    if ! dovecot_start; then
        not_ok "Dovecot starts with a passwd-file passdb${1:+, auth_allow_weak_schemes = $1}"
        diag <<<"$DOVECOT_START_ERROR"$'\n'"$(tail -n 20 "$DV_LOG" 2>/dev/null)"
        return 1
    fi
    ok "Dovecot started with a passwd-file passdb${1:+, auth_allow_weak_schemes = $1}"
    if [[ -n $1 ]]; then
        res=$(doveconf -c "$DV_CONF" -h auth_allow_weak_schemes 2>&1)
        if [[ $res == "$1" ]]; then
            ok "doveconf: auth_allow_weak_schemes = $1"
        else
            not_ok "doveconf -h auth_allow_weak_schemes: '$res', want '$1'"
        fi
    fi
    for u in "${users[@]}"; do
        rc=0
        res=$(timeout 30 doveadm -c "$DV_CONF" auth test "$u" "$pw" 2>&1) || rc=$?
        # 0 in; 77 refused (a mismatch), 75 (an internal failure: 2.4's
        # "Weak password scheme ... refused", an unknown scheme)
        # shellcheck disable=SC2034 # a nameref
        if [[ $rc -eq 0 ]]; then verdict_["$u"]=in; else verdict_["$u"]=refused; fi
    done
    dovecot_stop || not_ok "Dovecot stopped"
}

case $DOVECOT_REFUSES_WEAK in
yes)
    declare -A strict=() lenient=()
    dovecot_verdicts no strict
    # What Dovecot logged for each refusal: its reason, for the reader.
    grep -oE "Weak password scheme '[^']*' used and refused|Unknown scheme [A-Z0-9-]+" \
        "$DV_LOG" 2>/dev/null | sort | uniq -c | diag
    for u in "${users[@]}"; do
        [[ -n ${strict[$u]:-} && -n ${ours[$u]:-} ]] || continue
        if [[ ${strict[$u]} == "${ours[$u]}" ]]; then
            ok "${value[$u]%%\}*}} ($u): Dovecot $DOVECOT_SERIES with auth_allow_weak_schemes = no and the module with weak-schemes = refuse agree: ${ours[$u]}"
        else
            not_ok "${value[$u]%%\}*}} ($u): Dovecot $DOVECOT_SERIES with auth_allow_weak_schemes = no: ${strict[$u]}; the module with weak-schemes = refuse: ${ours[$u]}"
        fi
    done
    dovecot_verdicts yes lenient
    ;;
*)
    declare -A lenient=()
    res=$(doveconf -d 2>/dev/null)
    if [[ $res == *$'\n'auth_mechanisms\ =* && $res != *$'\n'auth_allow_weak_schemes\ =* ]]; then
        ok "Dovecot $DOVECOT_SERIES has no auth_allow_weak_schemes (tests/dovecot.bash: DOVECOT_REFUSES_WEAK=no)"
    else
        not_ok "Dovecot $DOVECOT_SERIES has auth_allow_weak_schemes, but tests/dovecot.bash says it refuses no weak scheme"
    fi
    dovecot_verdicts "" lenient
    nweak=0
    for u in "${users[@]}"; do [[ ${ours[$u]:-} == refused ]] && nweak=$((nweak + 1)); done
    ok "# SKIP the module's weak list against Dovecot's verdict: Dovecot $DOVECOT_SERIES refuses no weak scheme; checked with Dovecot 2.4"
    diag <<<"skipped on Dovecot $DOVECOT_SERIES: ${#users[@]} values, $nweak of them refused by weak-schemes = refuse"
    ;;
esac

# Every value in a scheme Dovecot has logs in when weak schemes are allowed
# (2.3: always); one it does not have never does (2.4: NTLM, LANMAN, RPA,
# which the module calls weak, so that the comparison above covers them;
# 2.3: those and 2.4's ARGON2).
for u in "${users[@]}"; do
    [[ -n ${lenient[$u]:-} ]] || continue
    s=${value[$u]#\{}
    s=${s%%\}*}
    if dv_knows "$s"; then
        if [[ ${lenient[$u]} == in ]]; then
            ok "{$s} ($u): Dovecot $DOVECOT_SERIES allowing weak schemes logs in with it"
        else
            not_ok "{$s} ($u): Dovecot $DOVECOT_SERIES allowing weak schemes refuses it"
        fi
    elif [[ ${lenient[$u]} == refused ]]; then
        ok "{$s} ($u): Dovecot $DOVECOT_SERIES has no such scheme and refuses it (weak-schemes = refuse: ${ours[$u]:-?})"
    else
        not_ok "{$s} ($u): Dovecot $DOVECOT_SERIES has no such scheme, yet logs in with it"
    fi
done

echo "1..$n"
[[ $failed -eq 0 ]]
