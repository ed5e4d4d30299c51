#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The 1.0 -> 1.1 userbase migration, end to end, in a database of its own:
#
#   a userbase of PowerMail 1.0 values (plaintext, some starting with '{' and
#   holding a '}') next to 1.1 ones; `pptool check` names every mailbox that
#   cannot log in and exits 1; `pptool migrate-plain --dry-run` changes
#   nothing, `pptool migrate-plain` fixes them all in one transaction (and a
#   migration that fails half-way changes nothing) but leaves, and names,
#   the values under unknown names that may be hashes (a login with such a
#   stored string as the password still fails after); logins through pamtester
#   and the module with upgrade-scheme set replace every weak value, and
#   `pptool check` then finds none.  The new values are checked by passlib,
#   the ones `pptool passwd` writes by hashlib: implementations of their own.
#   `pptool auth` says kind, scheme and verdict, never the stored value.
#   A server error (a CHECK constraint) is said by its SQLSTATE and primary
#   message, never with the row; an isForward PowerMail never writes (2, -1)
#   is a forward, which check counts and names.  Mailbox names holding
#   control characters, a raw C1 byte, invalid UTF-8 or U+202E, and a
#   server message holding controls, are printed escaped by every command.
#
# Needs the environment tests/run-tests.sh gives (tests/CONVENTIONS.md).
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGUSER

pptool=$PP_BUILD/pptool
module=$PP_BUILD/pam_powermail.so
py=/usr/bin/python3
export PYTHONPATH=$PP_TOP/tests/py   # ppcrypt.py
db=pp_lifecycle
narrow_db=pp_lifecycle_narrow
role=pp_upgrader
role_pw='pp-Upgrader-pw-1'
svcdir=$PP_TMP/pam.d

psql_su() {
    local d=$1
    shift
    psql -X -q -tA -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$d" "$@"
}
snapshot() { psql_su "$db" -c "select mbox, coalesce(password, '(NULL)') from mboxes order by mbox" | md5sum; }
value_of() { psql_su "$db" -v "m=$1" <<<"select password from mboxes where mbox = :'m'"; }

# --- a 1.0 userbase -------------------------------------------------------
psql_su postgres -c "drop database if exists $db" -c "drop database if exists $narrow_db" \
    -c "create database $db" -c "create database $narrow_db" >/dev/null || exit 1
psql_su "$db" -f "$PP_TOP/sql/schema.sql" >/dev/null || exit 1
psql_su "$db" >/dev/null <<EOF || exit 1
do \$\$ begin
  if not exists (select 1 from pg_roles where rolname = '$role') then
    create role $role login;
  end if;
end \$\$;
alter role $role password '$role_pw';
grant select, update (password) on mboxes to $role;
EOF

# Each mailbox and its password; the stored forms are made here and now by
# openssl and Python, not by pptool.
declare -A pw=(
    [bare@life.test]='s3cret-bare'
    [brace@life.test]='{abc}def'
    [multi@life.test]='{x}y{z}'
    [close@life.test]='pa}ss'
    [open@life.test]='{no-close'
    [plain@life.test]='already-plain'
    [md5@life.test]='md5-Passw0rd'
    [des@life.test]='des-pw'
    [sha1@life.test]='sha1-Passw0rd'
    [ssha@life.test]='ssha-Passw0rd'
    [pin@life.test]='{pin}1234'
    [note@life.test]='{note}my pass phrase'
)
sha1_b64() { printf '%s' "$1" | openssl dgst -sha1 -binary | base64; }
ssha_b64() {
    $py -c 'import base64, hashlib, os, sys
pw = sys.argv[1].encode(); salt = os.urandom(4)
print(base64.b64encode(hashlib.sha1(pw + salt).digest() + salt).decode())' "$1"
}
des() { $py -c 'import ppcrypt, sys; print(ppcrypt.crypt(sys.argv[1], "Xy"))' "$1"; }
declare -A stored=(
    [bare@life.test]="${pw[bare@life.test]}"
    [brace@life.test]="${pw[brace@life.test]}"
    [multi@life.test]="${pw[multi@life.test]}"
    [close@life.test]="${pw[close@life.test]}"
    [open@life.test]="${pw[open@life.test]}"
    [plain@life.test]="{plain}${pw[plain@life.test]}"
    [md5@life.test]="{md5}$(openssl passwd -1 "${pw[md5@life.test]}")"
    [des@life.test]="{crypt}$(des "${pw[des@life.test]}")"
    [sha1@life.test]="{sha1}$(sha1_b64 "${pw[sha1@life.test]}")"
    [ssha@life.test]="{ssha}$(ssha_b64 "${pw[ssha@life.test]}")"
    [pin@life.test]="${pw[pin@life.test]}"
    [note@life.test]="${pw[note@life.test]}"
)
# Hashes under names this version does not know (a newer scheme, a wrong
# name): no password logs in, and {plain} would make each hash a password.
# Besides our own, the forms the second audit found migrated: passlib's
# LDAP PBKDF2, PHP's phpass, SHA-3 with a 32-byte salt and unpadded,
# MySQL 4.1, passlib's bcrypt-sha256 and Django's PBKDF2 (made by passlib
# and hashlib).  And a 1.0 password that might be one (Cisco's type 9
# starts "$9$"): when in doubt, a value is left.
hash_pw='Hash-Passw0rd'
declare -A hashlike=(
    [h-argon@life.test]="{ARGON3}$(printf %s "$hash_pw" | argon2 "$(head -c 12 /dev/urandom | base64)" -id -e -k 1024 -t 1)"
    [h-sha512@life.test]="{FOO}$(openssl passwd -6 "$hash_pw")"
    [h-des@life.test]="{BAR}$(des "$hash_pw")"
    [h-b64@life.test]="{BAZ}$(printf %s "$hash_pw" | openssl dgst -sha256 -binary | base64)"
    [h-hex@life.test]="{QUX}$(printf %s "$hash_pw" | sha1sum | cut -c1-40)"
    [h-note@life.test]='{note}$9$not-a-crypt-id'
)
while read -r m v; do
    hashlike[$m@life.test]=$v
done < <(PASSLIB_BUILTIN_BCRYPT=enabled PYTHONWARNINGS=ignore $py - "$hash_pw" <<'PY'
import base64, hashlib, os, sys
from passlib import hash as h
pw = sys.argv[1]; b = pw.encode(); salt = os.urandom(32)
print("h-pbkdf2", h.ldap_pbkdf2_sha256.hash(pw))
print("h-phpass", "{PHPASS}" + h.phpass.hash(pw))
print("h-ssha3", "{SSHA3-512}" + base64.b64encode(hashlib.sha3_512(b + salt).digest() + salt).decode())
print("h-sha3", "{SHA3-256}" + base64.b64encode(hashlib.sha3_256(b).digest()).decode().rstrip("="))
print("h-mysql", "{MYSQL}" + h.mysql41.hash(pw))
print("h-bcsha", "{BCRYPT-SHA256}" + h.bcrypt_sha256.using(rounds=4).hash(pw))
print("h-django", "{DJANGO}" + h.django_pbkdf2_sha256.using(rounds=1000).hash(pw))
PY
)
nhash=${#hashlike[@]}
[[ $nhash -eq 13 ]] || { echo "Bail out! $nhash values under unknown names, want 13"; exit 1; }
for m in "${!hashlike[@]}"; do
    [[ ${hashlike[$m]} == '{'*'}'?* ]] || { echo "Bail out! no value made for $m"; exit 1; }
    stored[$m]=${hashlike[$m]}
done
for m in "${!stored[@]}"; do
    psql_su "$db" -v "m=$m" -v "p=${stored[$m]}" \
        <<<"insert into mboxes (mbox, password, isforward) values (:'m', :'p', 0)" || exit 1
done
psql_su "$db" -c "insert into mboxes (mbox, password, isforward) values
    ('fwd@life.test', '{weird}x', 1)" || exit 1
# The harness checks every module log line for these.
if [[ -n ${PP_SECRETS:-} ]]; then
    printf '%s\n' "${pw[@]}" "$role_pw" "$hash_pw" "${hashlike[@]}" >>"$PP_SECRETS"
fi

# --- configurations and a PAM service -------------------------------------
umask 077
# pptool as the operator runs it: the table's owner.
cat >"$PP_TMP/admin.conf" <<EOF
postgresql-host = $PGHOST
postgresql-port = $PGPORT
postgresql-database = $db
postgresql-user = $PP_PGSUPER
password-scheme = {ssha256}
EOF
# The module: a role that may read the table and update passwords only.
cat >"$PP_TMP/module.conf" <<EOF
postgresql-host = $PGHOST
postgresql-port = $PGPORT
postgresql-database = $db
postgresql-user = $role
postgresql-password = $role_pw
upgrade-scheme = {sha512-crypt}
EOF
sed "s/^postgresql-database = .*/postgresql-database = $narrow_db/" "$PP_TMP/admin.conf" \
    >"$PP_TMP/narrow.conf"
umask 022
mkdir -p "$svcdir"
printf 'auth required %s config=%s\naccount required %s config=%s\n' \
    "$module" "$PP_TMP/module.conf" "$module" "$PP_TMP/module.conf" >"$svcdir/pp_life"
# shellcheck source=tests/pamtester.bash
. "$(dirname "${BASH_SOURCE[0]}")/pamtester.bash"
use_pam_wrapper "$svcdir"

pp() { "$pptool" "$@"; }

# --- check, before ---------------------------------------------------------
out=$(pp check --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "check exits 1 on a 1.0 userbase" test "$rc" -eq 1
for m in brace@life.test multi@life.test pin@life.test note@life.test; do
    check "check names $m as unable to log in, a 1.0 password" \
        grep -qF "  $m: names an unknown scheme: a PowerMail 1.0 plaintext password? (pptool migrate-plain)" <<<"$out"
done
for m in "${!hashlike[@]}"; do
    check "check names $m as unable to log in, a hash migrate-plain leaves" \
        grep -q "^  $m: unknown scheme, may be a hash: not changed by migrate-plain" <<<"$out"
done
check "check names only those $((4 + nhash))" test "$(grep -c '^  [^ ]*@[^ ]*: ' <<<"$out")" -eq $((4 + nhash))
check "check counts 3 unprefixed values" grep -q '(unprefixed: plaintext) *3$' <<<"$out"
check "check counts 4 unknown schemes" grep -q '^  (unknown scheme) *4$' <<<"$out"
check "check counts $nhash that may be hashes" grep -q "^  (unknown scheme, may be a hash) *$nhash\$" <<<"$out"
check "check counts 1 forward" grep -q "^mailboxes: $((13 + nhash)) ($((12 + nhash)) hosted, 1 forward)\$" <<<"$out"
check "check counts the weak ones" grep -q '^weak: 8 ' <<<"$out"
check "check counts no unusual isForward" grep -q '^unusual isForward: 0$' <<<"$out"
# no password, no stored value past its name, no unknown scheme's name
leaked=
for m in "${!pw[@]}"; do
    [[ $out == *"${pw[$m]}"* ]] && leaked+=" $m"
done
for m in "${!hashlike[@]}"; do
    v=${hashlike[$m]}
    [[ $out == *"${v#*\}}"* || $out == *"${v%%\}*}}"* ]] && leaked+=" $m"
done
check "check prints no password, value or unknown name (leaked:${leaked:-none})" test -z "$leaked"
[[ $rc -eq 1 ]] || diag <<<"$out"

# --- migrate-plain ---------------------------------------------------------
before=$(snapshot)
out=$(pp migrate-plain --dry-run --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "migrate-plain --dry-run exits 0" test "$rc" -eq 0
check "migrate-plain --dry-run lists 7 mailboxes" grep -q '^7 mailboxes to change' <<<"$out"
check "migrate-plain --dry-run lists {abc}def's mailbox" grep -qF '  brace@life.test: {plain} (named an unknown scheme)' <<<"$out"
check "migrate-plain --dry-run lists the hashes it leaves under their heading" \
    test "$(sed -n '/^unknown scheme, may be a hash: not changed$/,/^[^ ]/p' <<<"$out" | grep -c '^  h-[a-z0-9]*@life.test$')" -eq "$nhash"
check "migrate-plain --dry-run changes nothing" test "$(snapshot)" == "$before"

# what migrate-plain prints: mailboxes, never a value or an unknown name
migrate_leaks() {
    local m v leaked=
    for m in "${!pw[@]}"; do [[ $1 == *"${pw[$m]}"* ]] && leaked+=" $m"; done
    for m in "${!hashlike[@]}"; do
        v=${hashlike[$m]}
        [[ $1 == *"${v#*\}}"* || $1 == *"${v%%\}*}}"* ]] && leaked+=" $m"
    done
    printf '%s' "$leaked"
}
leaked=$(migrate_leaks "$out")
check "migrate-plain --dry-run prints no password, value or unknown name (leaked:${leaked:-none})" test -z "$leaked"

out=$(pp migrate-plain --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "migrate-plain exits 0" test "$rc" -eq 0
check "migrate-plain says 7 changed" grep -q '^7 mailboxes changed$' <<<"$out"
for m in bare@life.test brace@life.test multi@life.test close@life.test open@life.test \
    pin@life.test note@life.test; do
    check "migrate-plain prefixed $m" test "$(value_of "$m")" == "{plain}${pw[$m]}"
done
for m in plain@life.test md5@life.test des@life.test sha1@life.test ssha@life.test; do
    check "migrate-plain left $m alone" test "$(value_of "$m")" == "${stored[$m]}"
done
migrated=$out   # run_pamtester sets out
for m in "${!hashlike[@]}"; do
    check "migrate-plain left the hash of $m alone" test "$(value_of "$m")" == "${stored[$m]}"
    check "migrate-plain named $m as left" grep -q "^  $m\$" <<<"$migrated"
    # What {plain} would have made of it: anyone with the table logs in.
    run_pamtester pp_life "$m" "${stored[$m]}" authenticate
    expect "after migrate-plain, $m's stored string is no password" no
done
leaked=$(migrate_leaks "$migrated")
check "migrate-plain prints no password, value or unknown name (leaked:${leaked:-none})" test -z "$leaked"
check "migrate-plain left the forward alone" test "$(value_of fwd@life.test)" == '{weird}x'
out=$(pp check --config "$PP_TMP/admin.conf" 2>&1)
check "check exits 1 after migrate-plain: the hashes still cannot log in" test $? -eq 1
check "check: only they are left, with the hash wording" \
    test "$(grep -c '^  h-[a-z0-9]*@life.test: unknown scheme, may be a hash: not changed by migrate-plain' <<<"$out")" -eq "$nhash" \
    -a "$(grep -c '^  [^ ]*@[^ ]*: ' <<<"$out")" -eq "$nhash"
# The operator deals with those (here: removes them); the rest goes on.
psql_su "$db" -c "delete from mboxes where mbox like 'h-%@life.test'" >/dev/null || exit 1
out=$(pp check --config "$PP_TMP/admin.conf" 2>&1)
check "check exits 0 once they are dealt with" test $? -eq 0
check "check: nobody left who cannot log in" grep -q '^cannot log in: 0$' <<<"$out"
out=$(pp check --verbose --config "$PP_TMP/admin.conf" 2>&1)
check "check --verbose: one heading, then each weak mailbox" \
    test "$(head -n 1 <<<"$out")" == 'cannot log in, or weak, in table order:'
check "check --verbose: md5@life.test is weak as MD5-crypt" grep -q '^  weak: md5@life.test: MD5-crypt$' <<<"$out"

# --- upgrade on login ------------------------------------------------------
for m in "${!pw[@]}"; do
    run_pamtester pp_life "$m" "${pw[$m]}" authenticate acct_mgmt
    expect "$m logs in with upgrade-scheme set" yes "successfully authenticated"
done
out=$(pp check --config "$PP_TMP/admin.conf" 2>&1)
check "check: no weak scheme left after the logins" grep -q '^weak: 0$' <<<"$out"
check "check: all 12 are {sha512-crypt}" grep -q '{sha512-crypt} *12$' <<<"$out"
for m in "${!pw[@]}"; do
    v=$(value_of "$m")
    check "passlib verifies $m's upgraded value" $py -c '
import sys
from passlib.hash import sha512_crypt
v = sys.argv[1]
sys.exit(0 if v.startswith("{sha512-crypt}") and sha512_crypt.verify(sys.argv[2], v[14:]) else 1)' "$v" "${pw[$m]}"
    run_pamtester pp_life "$m" "${pw[$m]}-x" authenticate
    expect "$m: a wrong password still fails after the upgrade" no "Authentication failure"
done

# --- passwd and auth -------------------------------------------------------
out=$(printf '%s\n' 'Changed-by-pptool-1' | pp passwd md5@life.test --config "$PP_TMP/admin.conf" 2>&1)
check "passwd exits 0" test $? -eq 0
v=$(value_of md5@life.test)
check "passwd stored {ssha256} (password-scheme), hashlib agrees" $py -c '
import base64, hashlib, sys
v = sys.argv[1]
raw = base64.b64decode(v[len("{ssha256}"):])
sys.exit(0 if v.startswith("{ssha256}") and hashlib.sha256(sys.argv[2].encode() + raw[32:]).digest() == raw[:32] else 1)' "$v" 'Changed-by-pptool-1'
run_pamtester pp_life md5@life.test 'Changed-by-pptool-1' authenticate
expect "the module takes the password pptool passwd set" yes "successfully authenticated"
out=$(printf 'x\n' | pp passwd fwd@life.test --config "$PP_TMP/admin.conf" 2>&1)
check "passwd refuses a forward address (exit 1)" test $? -eq 1
out=$(printf 'x\n' | pp passwd nobody@life.test --config "$PP_TMP/admin.conf" 2>&1)
check "passwd refuses an unknown address (exit 1)" test $? -eq 1

out=$(printf '%s\n' "${pw[sha1@life.test]}" | pp auth sha1@life.test --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
v=$(value_of sha1@life.test)
check "auth: right password, exit 0" test "$rc" -eq 0
check "auth says hosted, the scheme and match" grep -qz 'kind:    hosted.*scheme:  {sha512-crypt}.*verdict: match' <<<"$out"
check "auth never prints the stored value" test "${out/"${v#\{sha512-crypt\}}"/}" == "$out"
out=$(printf 'wrong\n' | pp auth sha1@life.test --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "auth: wrong password, exit 1, mismatch" test "$rc" -eq 1 -a -n "$(grep 'verdict: mismatch' <<<"$out")"
out=$(printf 'x\n' | pp auth fwd@life.test --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "auth: forward, exit 1" test "$rc" -eq 1 -a -n "$(grep '^kind:    forward$' <<<"$out")"
out=$(printf 'x\n' | pp auth nobody@life.test --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "auth: unknown, exit 1" test "$rc" -eq 1 -a -n "$(grep '^kind:    unknown$' <<<"$out")"

# --- a migration that fails half-way changes nothing ------------------------
long=$(printf 'L%.0s' $(seq 1 250))
psql_su "$db" -c "insert into mboxes (mbox, password) values
    ('a-short@life.test', 'short-1.0'), ('z-long@life.test', '$long')" || exit 1
# A CHECK constraint refusing the new value: the server's DETAIL quotes the
# row, old and new value; pptool says the SQLSTATE and the primary message.
psql_su "$db" -c "alter table mboxes add constraint pp_no_plain
    check (mbox <> 'a-short@life.test' or password not like '{plain}%')" >/dev/null || exit 1
before=$(snapshot)
out=$(pp migrate-plain --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "migrate-plain: a CHECK constraint refusing a value fails it (exit 2)" test "$rc" -eq 2
check "migrate-plain: ... says the SQLSTATE and the primary message" grep -qF \
    'pptool: userbase: failed (SQLSTATE 23514): new row for relation "mboxes" violates check constraint "pp_no_plain"' <<<"$out"
check "migrate-plain: ... never the row or the value" test -z "$(grep -e 'short-1.0' -e 'Failing row' -e DETAIL <<<"$out")"
check "migrate-plain: ... and nothing changed" test "$(snapshot)" == "$before"
psql_su "$db" -c "alter table mboxes drop constraint pp_no_plain" >/dev/null || exit 1
out=$(pp migrate-plain --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "migrate-plain: a value too long for the column fails it (exit 2)" test "$rc" -eq 2
check "migrate-plain: ... and says nothing changed" grep -q '^nothing changed$' <<<"$out"
check "migrate-plain: ... and nothing did" test "$(snapshot)" == "$before"

# --- what cannot log in, and a narrow column --------------------------------
psql_su "$db" -c "insert into mboxes (mbox, password) values
    ('null@life.test', NULL), ('empty@life.test', ''), ('bad@life.test', '{md5}\$1\$abc\$short'),
    ('locked@life.test', '{crypt}!\$6\$x')" || exit 1
out=$(pp check --config "$PP_TMP/admin.conf" 2>&1)
rc=$?
check "check: exit 1 with unusable values" test "$rc" -eq 1
check "check: NULL named" grep -q '^  null@life.test: no password (NULL)$' <<<"$out"
check "check: empty named" grep -q '^  empty@life.test: no password (empty)$' <<<"$out"
check "check: malformed named" grep -q '^  bad@life.test: malformed {md5} value' <<<"$out"
check "check: locked named" grep -q '^  locked@life.test: locked$' <<<"$out"

# isForward values PowerMail never writes: forwards (fail closed), named,
# counted, and no login for a stale password.
psql_su "$db" -c "insert into mboxes (mbox, password, isforward) values
    ('odd-fwd@life.test', '{plain}Odd-Forward-pw', 2), ('neg-fwd@life.test', NULL, -1)" || exit 1
[[ -n ${PP_SECRETS:-} ]] && echo 'Odd-Forward-pw' >>"$PP_SECRETS"
out=$(pp check --config "$PP_TMP/admin.conf" 2>&1)
unusual='isForward is neither 0, f, false nor 1, t, true: read as a forward, no login'
for m in odd-fwd@life.test neg-fwd@life.test; do
    check "check: $m named for its isForward" grep -qxF "  $m: $unusual" <<<"$out"
done
check "check: 2 unusual isForward counted" \
    grep -qx 'unusual isForward: 2 (read as forwards: set each to 0 or 1)' <<<"$out"
check "check: ... among the forwards" grep -q '^mailboxes: [0-9]* ([0-9]* hosted, 3 forward)$' <<<"$out"
check "check: ... the value is not shown" test -z "$(grep -e 'Odd-Forward' -e '"2"' <<<"$out")"
run_pamtester pp_life odd-fwd@life.test 'Odd-Forward-pw' authenticate
expect "isForward = 2 with a stale password: no login" no "Authentication failure"
run_pamtester pp_life odd-fwd@life.test 'Odd-Forward-pw' acct_mgmt
expect "isForward = 2: account management refuses it" no "Permission denied"
psql_su "$narrow_db" -c "create table mboxes (id serial, mbox varchar(255), password varchar(40),
    quotaMB int, isForward int, fwdDest varchar(255))" || exit 1
out=$(pp check --config "$PP_TMP/narrow.conf" 2>&1)
check "check: a varchar(40) password column is too narrow" grep -q 'too narrow for modern hashes' <<<"$out"
check "check: ... and for password-scheme's values" grep -q 'too narrow for password-scheme = {ssha256}' <<<"$out"
out=$(pp check --config "$PP_TMP/nonexistent.conf" 2>&1)
check "check: a missing configuration is exit 2" test $? -eq 2

# --- a userbase of another shape: list-query, upgrade-query ------------------
psql_su "$narrow_db" >/dev/null <<'SQL' || exit 1
create table accounts (email text primary key, fwd boolean, pw text);
insert into accounts values ('a@other.test', false, '{abc}def'), ('b@other.test', false, 'bare-pw'),
    ('c@other.test', true, '{zz}q'), ('d@other.test', false, '{plain}fine');
SQL
cat "$PP_TMP/narrow.conf" - >"$PP_TMP/other.conf" <<'CONF'
postgresql-query = select 0, fwd::int, null, pw from accounts where email = $1
list-query = select email, fwd, pw from accounts order by email
upgrade-query = update accounts set pw = $2 where email = $1 and pw = $3
upgrade-scheme = {crypt}
CONF
chmod 600 "$PP_TMP/other.conf"
other_pw() { psql_su "$narrow_db" -v "m=$1" <<<"select pw from accounts where email = :'m'"; }
out=$(pp check --config "$PP_TMP/other.conf" 2>&1)
rc=$?
check "list-query: check walks the configured table (exit 1, a@other.test named)" \
    test "$rc" -eq 1 -a -n "$(grep '^  a@other.test: names an unknown scheme' <<<"$out")"
check "list-query: ... with its forward counted" grep -q '^mailboxes: 4 (3 hosted, 1 forward)$' <<<"$out"
out=$(pp migrate-plain --config "$PP_TMP/other.conf" 2>&1)
check "upgrade-query: migrate-plain writes through it (2 changed)" grep -q '^2 mailboxes changed$' <<<"$out"
check "upgrade-query: ... {plain}{abc}def" test "$(other_pw a@other.test)" == '{plain}{abc}def'
check "upgrade-query: ... {plain}bare-pw" test "$(other_pw b@other.test)" == '{plain}bare-pw'
check "upgrade-query: ... the forward left alone" test "$(other_pw c@other.test)" == '{zz}q'
out=$(printf 'bare-pw\n' | pp auth b@other.test --config "$PP_TMP/other.conf" 2>&1)
check "upgrade-query: a login upgrades through it" grep -q '^upgrade: stored (plaintext)$' <<<"$out"
check "upgrade-query: ... to {crypt}" test "$(other_pw b@other.test | cut -c1-10)" == '{crypt}$y$'
sed 's/^list-query = .*/list-query = select email, pw from accounts/' "$PP_TMP/other.conf" >"$PP_TMP/bad.conf"
chmod 600 "$PP_TMP/bad.conf"
out=$(pp check --config "$PP_TMP/bad.conf" 2>&1)
rc=$?
check "list-query returning 2 columns: exit 2, said why" \
    test "$rc" -eq 2 -a -n "$(grep 'list-query returns 2 columns' <<<"$out")"

# --- hostile mailbox names: what pptool prints is escaped ---------------------
# A row's name may erase the line and forge another ("\r\e[2K"), set the
# terminal's title ("\e]0;...\a"), hold a C1 CSI (U+009B) or turn the
# text around (U+202E).  Every command prints them escaped (lib/escape.c),
# never raw.  (Invalid UTF-8 never reaches pptool: it asks for UTF8 and
# the server refuses to send it; test_escape covers it.)
hostile_db=pp_lifecycle_hostile
psql_su postgres -c "drop database if exists $hostile_db" \
    -c "create database $hostile_db encoding 'SQL_ASCII' locale 'C' template template0" >/dev/null || exit 1
psql_su "$hostile_db" -f "$PP_TOP/sql/schema.sql" >/dev/null || exit 1
psql_su "$hostile_db" >/dev/null <<'SQL' || exit 1
insert into mboxes (mbox, password, isforward) values
    (E'\r\x1b[2Kfake@life.test', NULL, 0),
    (E'\x1b]0;owned\x07@life.test', 'bare-1.0-pw', 0),
    (E'\xc2\x9b' || '31mweak@life.test', '{plain}Weak-pw-1', 0),
    (E'bidi\xe2\x80\xaegnp@life.test', '{ZZZ}0123456789abcdef0123456789abcdef', 0),
    (E'\xe2\x81\xa6iso\x7f@life.test', '{abc}def', 0),
    (E'\x1b[31mmd5@life.test', '{plain-md5}b1f4f9a523e36fd969f4573e25af4540', 0);
SQL
[[ -n ${PP_SECRETS:-} ]] &&
    printf '%s\n' 'bare-1.0-pw' 'Weak-pw-1' '{plain-md5}b1f4f9a523e36fd969f4573e25af4540' >>"$PP_SECRETS"
sed "s/^postgresql-database = .*/postgresql-database = $hostile_db/" "$PP_TMP/admin.conf" \
    >"$PP_TMP/hostile.conf"
chmod 600 "$PP_TMP/hostile.conf"
# no_raw LABEL: $out holds no ESC, CR, BEL, DEL, CSI (raw or U+009B),
# U+202E or U+2066.
no_raw() {
    if LC_ALL=C grep -q $'[\e\r\a\x7f\x9b]\\|\xe2\x80\xae\\|\xe2\x81\xa6' <<<"$out"; then
        not_ok "$1: no raw control byte in the output"
        diag < <(printf '%s' "$out" | od -c | head -n 20)
    else
        ok "$1: no raw control byte in the output"
    fi
}
shows() { check "$1 shows $2" grep -qF -- "$2" <<<"$out"; }
out=$(pp check --verbose --config "$PP_TMP/hostile.conf" 2>&1)
no_raw "check --verbose"
shows "check --verbose" '  \x0d\x1b[2Kfake@life.test: no password (NULL)'
shows "check --verbose" '  weak: \u009b31mweak@life.test: plaintext'
shows "check --verbose" '  bidi\u202egnp@life.test: unknown scheme, may be a hash'
shows "check --verbose" '  \u2066iso\x7f@life.test: names an unknown scheme'
shows "check --verbose" '  weak scheme: \x1b[31mmd5@life.test: {plain-md5}'
out=$(pp migrate-plain --dry-run --config "$PP_TMP/hostile.conf" 2>&1)
no_raw "migrate-plain --dry-run"
shows "migrate-plain --dry-run" '  \x1b]0;owned\x07@life.test: {plain} (was unprefixed)'
shows "migrate-plain --dry-run" '  \u2066iso\x7f@life.test: {plain} (named an unknown scheme)'
check "migrate-plain --dry-run lists bidi\\u202egnp@life.test under its heading" \
    test "$(sed -n '/^unknown scheme, may be a hash: not changed$/,/^[^ ]/p' <<<"$out" | grep -cxF '  bidi\u202egnp@life.test')" -eq 1
# A server message is row text too: a trigger refusing the change.
psql_su "$hostile_db" >/dev/null <<'SQL' || exit 1
create function pp_refuse() returns trigger language plpgsql as
    $$ begin raise exception E'refused\r\x1b[2Kforged line\x07'; end $$;
create trigger pp_refuse before update on mboxes for each row execute function pp_refuse();
SQL
out=$(pp migrate-plain --config "$PP_TMP/hostile.conf" 2>&1)
check "migrate-plain: a trigger refusing the change fails it (exit 2)" test $? -eq 2
no_raw "migrate-plain refused by a trigger"
for cmd in passwd auth; do
    out=$(printf 'x\n' | pp "$cmd" $'\e]0;owned\a@life.test' --config "$PP_TMP/hostile.conf" 2>&1)
    no_raw "$cmd with a hostile name"
done
out=$(printf 'x\n' | pp verify $'{\e]0;t\a}x' 2>&1)
no_raw "verify with a hostile scheme name"
shows "verify" '{\x1b]0;t\x07}'
out=$(pp $'\r\e[2Kfake' 2>&1)
no_raw "an unknown command"
psql_su postgres -c "drop database $hostile_db" >/dev/null

# --- the role's statement_timeout bounds the module, not pptool's walk --------
# schema.sql gives the module's role a statement_timeout; pptool walks the
# whole userbase, which on a large one takes longer, so it lifts the bound
# for its own transaction (SET LOCAL: nothing stays behind pgbouncer).  A
# role whose bound is 200 ms, and a list-query that takes 500 ms.
slow_role=pp_slow_reader slow_pw='pp-Slow-reader-pw-7'
psql_su "$db" >/dev/null <<EOF || exit 1
do \$\$ begin
  if not exists (select 1 from pg_roles where rolname = '$slow_role') then
    create role $slow_role login;
  end if;
end \$\$;
alter role $slow_role password '$slow_pw';
alter role $slow_role set statement_timeout = '200ms';
grant select, update (password) on mboxes to $slow_role;
EOF
echo "$slow_pw" >>"$PP_SECRETS"
umask 077
cat >"$PP_TMP/slow.conf" <<EOF
postgresql-host = $PGHOST
postgresql-port = $PGPORT
postgresql-database = $db
postgresql-user = $slow_role
postgresql-password = $slow_pw
list-query = select mbox, isForward, password from mboxes where (select pg_sleep(0.5)) is not null
EOF
umask 022
out=$(PGPASSWORD=$slow_pw psql -X -tA -h "$PGHOST" -p "$PGPORT" -U "$slow_role" -d "$db" \
    -c 'select count(*) from mboxes where (select pg_sleep(0.5)) is not null' 2>&1)
check "the role's own statements end at its statement_timeout" grep -q 'statement timeout' <<<"$out"
out=$(pp check --config "$PP_TMP/slow.conf" 2>&1)
rc=$?
check "check outlives the role's statement_timeout (exit $rc, not 2)" test "$rc" -ne 2
check "check counted the mailboxes" grep -q '^mailboxes: ' <<<"$out"
# (this userbase still holds a value too long for the column: the dry run
# fails on that, later, whatever the bound)
out=$(pp migrate-plain --dry-run --config "$PP_TMP/slow.conf" 2>&1)
check "migrate-plain --dry-run outlives the role's statement_timeout" \
    grep -q 'SQLSTATE 22001' <<<"$out"
if grep -q '57014' <<<"$out"; then not_ok "... and was not ended by it (57014)"
else ok "... and was not ended by it (57014)"; fi
psql_su "$db" -c "drop owned by $slow_role" -c "drop role $slow_role" >/dev/null

psql_su postgres -c "drop database $db" -c "drop database $narrow_db" >/dev/null
echo "1..$n"
[[ $failed -eq 0 ]]
