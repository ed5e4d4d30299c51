#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_mailserver_sql.sh -- TAP test of sql/mailserver.sql and of the Postfix
# maps in etc/postfix/, on the harness's PostgreSQL, without Postfix
# (t_postfix.sh runs the same files in a real Postfix):
#
#   - each map file: "# for: <parameter>" first, the SPDX line, the
#     contract's four connection lines once each, one query;
#   - a database of its own from schema.sql + mailserver.sql: role
#     powermail_mta (logged in over TCP with a password, as Postfix does)
#     reads the map columns, gets "permission denied" for password, for
#     any other column and for a write, and has its role settings;
#   - each map's query, read from its file and expanded as Postfix's
#     dict_pgsql expands it (the key lower-cased; %s, %u, %d SQL-quoted;
#     no query for a key without a domain or a local part), run as
#     powermail_mta for a table of address forms built from the rows, with
#     and without the module's default-domain: the answers agree with the
#     module's own verdict (pptool auth: its name normalisation, lookup and
#     classification).  Hosted: the domain is listed and the mailbox map
#     answers; a forward whose fwdDest is usable: the alias map answers
#     fwdDest; anything else (unknown, a forward without a usable fwdDest,
#     a row without a domain): no answer from either map, so Postfix
#     refuses it at RCPT;
#   - the same on a userbase whose isForward is TEXT (t, FALSE, yes, ...);
#   - at 1,000,000 rows, EXPLAIN of each map's query as powermail_mta
#     shows an index scan and no sequential scan, a domain that holds 60%
#     of the rows too;
#   - on a PowerMail 1.0 table (no index, narrow columns, rows) applied
#     alone, twice: the same table, every row kept, one index on mbox, the
#     domain index, the module's role keeps its SELECT; with duplicate
#     addresses it fails and changes nothing; when powermail_mta could read
#     password through another role it fails.
#
# Only with the plain build directory (pptool is the same code in every
# build).  Needs psql and the environment tests/run-tests.sh gives.
set -uo pipefail

# shellcheck source=tests/tap.bash
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGUSER PP_PGPASSWORD

plain_build_only "the userbase's SQL"

need_commands psql
end_if_missing

export LC_ALL=C.UTF-8
pptool=$PP_BUILD/pptool
maps=$PP_TOP/etc/postfix
sqlfile=$PP_TOP/sql/mailserver.sql
db=pp_mailserver
tdb=pp_mailserver_text
old_dbs=(pp_mailserver_old pp_mailserver_old_idx pp_mailserver_old_dup)
mta_pw="Mta-Pw-$RANDOM-$RANDOM-$$"
DD=mail.test          # the default-domain of the second configuration
ELSEWHERE=host.invalid # where Postfix puts a bare name without it ($myorigin)
[[ -n ${PP_SECRETS:-} ]] && echo "$mta_pw" >>"$PP_SECRETS"

psql_su() {
    local d=$1
    shift
    psql -X -q -tA -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" -d "$d" "$@"
}
# As Postfix connects: over TCP, with the role's password.
psql_mta() {
    local d=$1
    shift
    PGPASSWORD=$mta_pw psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" \
        -U powermail_mta -d "$d" "$@"
}
apply() { psql_su "$1" -f "$sqlfile" 2>&1; }
apply_fails() { # apply_fails DB DESCRIPTION TEXT: it fails, its error says TEXT
    local out
    if out=$(apply "$1"); then
        not_ok_diag "$2" "it succeeded"
    elif grep -qF -- "$3" <<<"$out"; then
        ok "$2"
    else
        not_ok_diag "$2" "$out"
    fi
}
snapshot() { psql_su "$1" -c "select md5(string_agg(t::text, '|' order by id)) from mboxes t"; }

cleanup() {
    local d
    psql_su postgres -c "revoke powermail from powermail_mta" >/dev/null 2>&1
    for d in "$db" "$tdb" "${old_dbs[@]}"; do
        psql_su postgres -c "drop database if exists $d" >/dev/null 2>&1
    done
}
on_exit cleanup

# --- the map files ---------------------------------------------------------

declare -A param=(
    [pgsql-virtual-mailbox-domains.cf]=virtual_mailbox_domains
    [pgsql-virtual-mailbox-maps.cf]=virtual_mailbox_maps
    [pgsql-virtual-alias-maps.cf]=virtual_alias_maps
)
shipped=$(cd "$maps" && ls -- *.cf | sort | tr '\n' ' ')
expected=$(printf '%s\n' "${!param[@]}" | sort | tr '\n' ' ')
if [[ $shipped == "$expected" ]]; then
    ok "etc/postfix holds the three maps this test checks"
else
    not_ok_diag "etc/postfix holds the three maps this test checks" "shipped: $shipped" "checked: $expected"
fi
declare -A query
for f in "${!param[@]}"; do
    file=$maps/$f
    problems=()
    [[ $(sed -n 1p "$file") == "# for: ${param[$f]}" ]] || problems+=("line 1 is not '# for: ${param[$f]}'")
    [[ $(sed -n 2p "$file") == "# SPDX-License-Identifier: GPL-2.0-or-later" ]] || problems+=("line 2 is not the SPDX line")
    for line in "hosts = 127.0.0.1" "user = powermail_mta" "password = change-me" "dbname = powermail"; do
        [[ $(grep -cxF -- "$line" "$file") -eq 1 ]] || problems+=("not once: $line")
    done
    others=$(grep -v -e '^#' -e '^$' -e '^query = ' -e '^hosts = ' -e '^user = ' -e '^password = ' \
        -e '^dbname = ' "$file")
    [[ -z $others ]] || problems+=("other settings: $others")
    [[ $(grep -c '^query = ' "$file") -eq 1 ]] || problems+=("not one query line")
    query[$f]=$(sed -n 's/^query = //p' "$file" | head -n 1)
    if [[ ${#problems[@]} -eq 0 ]]; then
        ok "$f: for ${param[$f]}, the contract's connection lines, one query"
    else
        not_ok_diag "$f: for ${param[$f]}, the contract's connection lines, one query" "${problems[@]}"
    fi
done
Q_DOMAINS=${query[pgsql-virtual-mailbox-domains.cf]}
Q_MAILBOXES=${query[pgsql-virtual-mailbox-maps.cf]}
Q_ALIASES=${query[pgsql-virtual-alias-maps.cf]}

# expand TEMPLATE <KEYS: one line per key, the query Postfix sends for it,
# or an empty line when it sends none (db_common_expand in Postfix's
# src/global/db_common.c; the key folded by dict_pgsql's lowercase(),
# quoted as PQescapeStringConn quotes with standard_conforming_strings on).
expand() {
    /usr/bin/python3 -c '
import sys
t = sys.argv[1]
parts, i = [], 0
while i < len(t):
    if t[i] == "%":
        parts.append(("%", t[i + 1])); i += 2
    else:
        parts.append(("c", t[i])); i += 1
uses = {n for k, n in parts if k == "%"}
if uses - set("%sSuUdD"):
    sys.exit("unexpected expansion in the query: " + "".join(sorted(uses)))
q = lambda s: s.replace("\x27", "\x27\x27")
for line in sys.stdin:
    key = "".join(c.lower() if "A" <= c <= "Z" else c for c in line.rstrip("\n"))
    at = key.rfind("@")
    dom = key[at + 1:] if at >= 0 else ""
    user = key[:at] if at >= 0 else key
    if (uses & set("dD") and not dom) or (uses & set("uU") and at == 0):
        print(); continue
    out = []
    for k, n in parts:
        out.append(n if k == "c" else "%" if n == "%" else q(key) if n in "sS"
                   else q(user) if n in "uU" else q(dom))
    print("".join(out))
' "$1"
}

# answers DB TEMPLATE <KEYS: one line per key, Postfix's answer: the
# query's non-empty values joined with ",", empty for none.
answers() {
    local d=$1 t=$2
    expand "$t" | while IFS= read -r sql; do
        printf '%s\n' '\echo @@'
        [[ -n $sql ]] && echo "$sql;"
    done | psql_mta "$d" 2>&1 | awk '
        /^@@$/ { if (n++) print r; r = ""; next }
        length($0) { r = (r == "" ? $0 : r "," $0) }
        END { if (n) print r }'
}

# --- the userbase ----------------------------------------------------------

cleanup
psql_su postgres -c "create database $db" -c "create database $tdb" >/dev/null ||
    bail "create databases $db, $tdb"
out=$(psql_su "$db" -f "$PP_TOP/sql/schema.sql" 2>&1 && apply "$db") ||
    bail "schema.sql and mailserver.sql on a new userbase" "$out"
ok "schema.sql then mailserver.sql on a new userbase"
check "mailserver.sql again on it" apply "$db"
psql_su postgres -c "alter role powermail_mta password '$mta_pw'" >/dev/null || bail "set powermail_mta's password"

# mbox, password, quotaMB, isForward, fwdDest.  The stored values are made
# up here; none may show in the output.
stored1="{plain}Mta-Hosted-$RANDOM$RANDOM"
stored2="{plain}Mta-Stale-$RANDOM$RANDOM"
[[ -n ${PP_SECRETS:-} ]] && printf '%s\n' "$stored1" "$stored2" >>"$PP_SECRETS"
psql_su "$db" >/dev/null <<EOF || bail "rows of $db"
insert into mboxes (mbox, password, quotamb, isforward, fwddest) values
 ('hosted@mail.test', '$stored1', 25, NULL, NULL),
 ('zero@mail.test', NULL, 0, 0, 'stale@elsewhere.test'),
 ('o''brien@mail.test', NULL, NULL, NULL, NULL),
 ('fwd@mail.test', NULL, NULL, 1, 'far@elsewhere.test'),
 ('fwd2@mail.test', '$stored2', NULL, 2, 'two@elsewhere.test, three@elsewhere.test'),
 ('fwdneg@mail.test', NULL, NULL, -1, 'neg@elsewhere.test'),
 ('nodest@mail.test', NULL, NULL, 1, NULL),
 ('emptydest@mail.test', NULL, NULL, 1, ''),
 ('blankdest@mail.test', NULL, NULL, 1, '   '),
 ('utf8dest@mail.test', NULL, NULL, 1, 'jürgen@elsewhere.test'),
 ('Mixed@mail.test', NULL, NULL, NULL, NULL),
 ('upper@Mail.Test', NULL, NULL, NULL, NULL),
 ('@mail.test', NULL, NULL, NULL, NULL),
 ('bare', NULL, NULL, NULL, NULL),
 ('other@second.test', NULL, NULL, NULL, NULL),
 ('only@fwd.test', NULL, NULL, 1, 'x@elsewhere.test');
EOF

# --- the role --------------------------------------------------------------

denied() { # denied DESCRIPTION SQL: the server refuses SQL as powermail_mta
    local out
    if out=$(psql_mta "$db" -c "$2" 2>&1); then
        not_ok_diag "$1" "it succeeded: $2"
    elif grep -q 'permission denied for table mboxes' <<<"$out"; then
        ok "$1"
    else
        not_ok_diag "$1" "not a permission error: $out"
    fi
}
denied "powermail_mta selecting password: permission denied" "select password from mboxes"
denied "powermail_mta selecting *: permission denied" "select * from mboxes"
denied "powermail_mta selecting id: permission denied" "select id from mboxes"
denied "powermail_mta updating fwdDest: permission denied" "update mboxes set fwddest = fwddest"
denied "powermail_mta inserting: permission denied" "insert into mboxes (mbox) values ('new@mail.test')"
out=$(psql_mta "$db" -c "select count(*) from (select mbox, isforward, fwddest, quotamb from mboxes) t" 2>&1)
if [[ $out == 16 ]]; then
    ok "powermail_mta reads mbox, isForward, fwdDest, quotaMB"
else
    not_ok_diag "powermail_mta reads mbox, isForward, fwdDest, quotaMB" "$out"
fi
out=$(psql_mta "$db" -c "show statement_timeout" -c "show enable_seqscan" 2>&1 | tr '\n' ' ')
if [[ $out == "5s off " ]]; then
    ok "powermail_mta logs in with statement_timeout 5s and enable_seqscan off"
else
    not_ok_diag "powermail_mta logs in with statement_timeout 5s and enable_seqscan off" "$out"
fi
out=$(psql_su "$db" -c "alter role powermail_mta set statement_timeout = '9s'" 2>&1 && apply "$db" &&
    psql_mta "$db" -c "show statement_timeout" 2>&1)
if [[ $out == *9s ]]; then
    ok "mailserver.sql leaves an administrator's statement_timeout"
else
    not_ok_diag "mailserver.sql leaves an administrator's statement_timeout" "$out"
fi
psql_su "$db" -c "alter role powermail_mta set statement_timeout = '5s'" >/dev/null

# --- the maps against the module ------------------------------------------

umask 077
conf() { # conf DB [default-domain]: the module's configuration, its own role
    printf '%s\n' "postgresql-host = $PGHOST" "postgresql-port = $PGPORT" \
        "postgresql-database = $1" "postgresql-user = $PP_PGUSER" \
        "postgresql-password = $PP_PGPASSWORD" ${2:+"default-domain = $2"}
}

# agree DB CONF FORM...: for each address form, the module's kind (pptool
# auth, a wrong password) against the maps' answers for the key Postfix
# looks up: the form itself, or a bare name with @$myorigin appended
# (INSTALL: myorigin = the module's default-domain).
agree() {
    local d=$1 cf=$2 label=$3
    shift 3
    local forms=("$@") keys=() i f k dd kind name dest doms mbs als want got
    dd=$(sed -n 's/^default-domain = //p' "$cf")
    for f in "${forms[@]}"; do
        if [[ $f == *@* ]]; then k=$f; else k=$f@${dd:-$ELSEWHERE}; fi
        keys+=("$k")
    done
    mapfile -t doms < <(printf '%s\n' "${keys[@]}" | sed 's/.*@//' | answers "$d" "$Q_DOMAINS")
    mapfile -t mbs < <(printf '%s\n' "${keys[@]}" | answers "$d" "$Q_MAILBOXES")
    mapfile -t als < <(printf '%s\n' "${keys[@]}" | answers "$d" "$Q_ALIASES")
    if [[ ${#doms[@]} -ne ${#forms[@]} || ${#mbs[@]} -ne ${#forms[@]} || ${#als[@]} -ne ${#forms[@]} ]]; then
        not_ok_diag "$label: the maps answered every key" "${doms[*]}" "${mbs[*]}" "${als[*]}"
        return
    fi
    for i in "${!forms[@]}"; do
        f=${forms[$i]} k=${keys[$i],,}
        out=$(printf 'Not-the-password\n' | timeout 20 "$pptool" auth --config "$cf" "$f" 2>&1)
        kind=$(sed -n 's/^kind: *//p' <<<"$out")
        name=$(sed -n 's/^mailbox: *//p' <<<"$out")
        dest=$(psql_su "$d" -v "m=$name" <<<"select coalesce(fwddest, '') from mboxes where mbox = :'m'")
        # What RCPT must do, from the module's verdict.
        if [[ $kind == hosted && $name == *@* ]]; then
            want="mailbox ${k##*@}/${k%@*}/"
        elif [[ $kind == forward && $name == *@* && $dest =~ ^[\ -~]*[!-~][\ -~]*$ ]]; then
            want="forward $dest"
        elif [[ $kind == unknown || $kind == forward || $kind == hosted ]]; then
            want=refused
        else
            not_ok_diag "$label: $f: the module's kind" "$out"
            continue
        fi
        # What the maps make of it (reject_unlisted_recipient).
        if [[ -z ${doms[$i]} ]]; then
            got="refused (domain not listed)"
            [[ $want == refused ]] && got=refused
        elif [[ -n ${mbs[$i]} && -z ${als[$i]} ]]; then
            got="mailbox ${mbs[$i]}"
        elif [[ -n ${als[$i]} && -z ${mbs[$i]} ]]; then
            got="forward ${als[$i]}"
        elif [[ -z ${mbs[$i]} && -z ${als[$i]} ]]; then
            got=refused
        else
            got="both: mailbox ${mbs[$i]}, forward ${als[$i]}"
        fi
        if [[ $got == "$want" ]]; then
            ok "$label: $f: module $kind, RCPT $got"
        else
            not_ok_diag "$label: $f: module $kind, RCPT must be $want" "maps: $got (key $k)"
        fi
    done
}

conf "$db" >"$PP_TMP/plain.conf"
conf "$db" "$DD" >"$PP_TMP/dd.conf"
forms=()
while IFS= read -r m; do
    [[ $m == ?*@?* ]] || continue
    local_part=${m%@*} domain=${m#*@}
    forms+=("$m" "${m^^}" "${local_part^}@$domain" "$local_part@${domain^^}")
done < <(psql_su "$db" -c "select mbox from mboxes order by id")
forms+=(nobody@mail.test NOBODY@Mail.Test nobody@nowhere.test mixed@mail.test upper@mail.test
    "x' or '1'='1@mail.test" "hosted@mail.test' --@mail.test" 'hosted_@mail.test')
agree "$db" "$PP_TMP/plain.conf" "no default-domain" "${forms[@]}" bare hosted
bare_forms=()
while IFS= read -r m; do bare_forms+=("$m" "${m^^}"); done < <(psql_su "$db" \
    -c "select split_part(mbox, '@', 1) from mboxes where mbox like '_%@$DD' order by id")
agree "$db" "$PP_TMP/dd.conf" "default-domain $DD" "${bare_forms[@]}" bare nobody hosted@mail.test

# A catch-all key is never queried, so the row '@mail.test' catches nothing.
out=$(printf '%s\n' @mail.test | expand "$Q_MAILBOXES")$(printf '%s\n' @mail.test | expand "$Q_ALIASES")
if [[ -z $out ]]; then
    ok "no query for the catch-all key @mail.test in the mailbox and alias maps"
else
    not_ok_diag "no query for the catch-all key @mail.test in the mailbox and alias maps" "$out"
fi
out=$(printf '%s\n' mail.test second.test fwd.test nowhere.test MAIL.TEST | answers "$db" "$Q_DOMAINS" | tr '\n' ' ')
if [[ $out == "mail.test second.test fwd.test  mail.test " ]]; then
    ok "the domain map lists the domains of the rows (a domain of forwards only too), any case"
else
    not_ok_diag "the domain map lists the domains of the rows (a domain of forwards only too), any case" "$out"
fi

# A userbase whose isForward is TEXT, as the module reads it too.
out=$(psql_su "$tdb" 2>&1 <<'EOF'
create table mboxes (id serial primary key, mbox varchar(255) not null, password varchar(255),
                     quotamb int, isforward text, fwddest varchar(255));
insert into mboxes (mbox, isforward, fwddest) values
 ('t@mail.test', 't', 'tt@elsewhere.test'), ('true@mail.test', ' TRUE ', 'tr@elsewhere.test'),
 ('f@mail.test', 'f', 'stale@elsewhere.test'), ('false@mail.test', ' False', NULL),
 ('zero@mail.test', '0', NULL), ('one@mail.test', '1', 'o@elsewhere.test'),
 ('yes@mail.test', 'yes', 'y@elsewhere.test'), ('empty@mail.test', '', 'e@elsewhere.test'),
 ('blank@mail.test', '  ', 'b@elsewhere.test'), ('null@mail.test', NULL, 'n@elsewhere.test');
EOF
)
out+=$(psql_su "$tdb" -f "$PP_TOP/sql/schema.sql" 2>&1 && apply "$tdb") ||
    not_ok_diag "a userbase with a TEXT isForward takes schema.sql and mailserver.sql" "$out"
conf "$tdb" >"$PP_TMP/text.conf"
agree "$tdb" "$PP_TMP/text.conf" "TEXT isForward" t@mail.test TRUE@mail.test f@mail.test \
    false@mail.test zero@mail.test one@mail.test yes@mail.test empty@mail.test blank@mail.test \
    null@mail.test

# --- a million rows --------------------------------------------------------

start=$SECONDS
out=$(psql_su "$db" 2>&1 <<'EOF'
insert into mboxes (mbox, password, isforward, fwddest)
select 'u' || g || '@' || case when g % 10 < 6 then 'big.test' else 'd' || g % 1000 || '.test' end,
       '{plain}x', case when g % 7 = 0 then 1 end,
       case when g % 7 = 0 then 'far' || g || '@elsewhere.test' end
  from generate_series(1, 1000000) g;
analyze mboxes;
EOF
) || bail "1,000,000 rows" "$out"
ok "1,000,000 rows in $((SECONDS - start)) s"
plan_uses_index() { # plan_uses_index TEMPLATE KEY
    local sql plan
    sql=$(expand "$1" <<<"$2")
    plan=$(psql_mta "$db" -c "explain $sql" 2>&1)
    if grep -q 'Index' <<<"$plan" && ! grep -q 'Seq Scan' <<<"$plan"; then
        ok "at 1,000,000 rows, an index scan and no sequential scan for $2: $(grep -o 'Index[ A-Za-z]*Scan using [a-z_]*' <<<"$plan" | head -n 1)"
    else
        not_ok_diag "at 1,000,000 rows, an index scan and no sequential scan for $2" "$sql" "$plan"
    fi
}
plan_uses_index "$Q_DOMAINS" big.test
plan_uses_index "$Q_DOMAINS" d5.test
plan_uses_index "$Q_DOMAINS" nowhere.test
plan_uses_index "$Q_MAILBOXES" u10@big.test
plan_uses_index "$Q_MAILBOXES" nobody@big.test
plan_uses_index "$Q_ALIASES" u7@d7.test
plan_uses_index "$Q_ALIASES" nobody@d7.test
out=$(printf '%s\n' big.test u10@big.test u7@d7.test | {
    read -r a; read -r b; read -r c
    printf '%s\n' "$a" | answers "$db" "$Q_DOMAINS"
    printf '%s\n' "$b" | answers "$db" "$Q_MAILBOXES"
    printf '%s\n' "$c" | answers "$db" "$Q_ALIASES"
} | tr '\n' ' ')
if [[ $out == "big.test big.test/u10/ far7@elsewhere.test " ]]; then
    ok "at 1,000,000 rows the maps answer as before"
else
    not_ok_diag "at 1,000,000 rows the maps answer as before" "$out"
fi

# --- an existing PowerMail userbase ----------------------------------------

# old_table DB [SQL]: PowerMail 1.0's table, with rows, then SQL.
old_table() {
    local d=$1
    psql_su postgres -c "create database $d" >/dev/null &&
        psql_su "$d" >/dev/null <<'EOF' &&
create table mboxes (id serial primary key, mbox varchar(255) not null,
                     password varchar(50) default null, quotaMB int default null,
                     isForward int default null, fwdDest varchar(80) default null);
grant select on mboxes to powermail;
insert into mboxes (mbox, password, quotaMB, isForward, fwdDest) values
 ('old@example.test', 'plain-1.0-pw', 10, NULL, NULL),
 ('oldfwd@example.test', NULL, NULL, 1, 'far@elsewhere.test'),
 ('oldzero@example.test', '{plain}Old-pw', 0, 0, NULL);
EOF
        psql_su "$d" -c "${2:-select}" >/dev/null
}
mbox_indexes() {
    psql_su "$1" -c "select count(*) from pg_index i join pg_attribute a
                       on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                      where i.indrelid = 'mboxes'::regclass and a.attname = 'mbox'
                        and i.indexprs is null"
}
old=${old_dbs[0]}
old_table "$old" || bail "a PowerMail 1.0 table in $old"
before=$(snapshot "$old")
oid=$(psql_su "$old" -c "select 'mboxes'::regclass::oid")
for run in first second; do
    if out=$(apply "$old"); then
        ok "PowerMail 1.0 table: mailserver.sql alone, $run run"
    else
        not_ok_diag "PowerMail 1.0 table: mailserver.sql alone, $run run" "$out"
    fi
    check "PowerMail 1.0 table after the $run run: the same table, every row as it was" \
        test "$(snapshot "$old") $(psql_su "$old" -c "select 'mboxes'::regclass::oid")" = "$before $oid"
    check "PowerMail 1.0 table after the $run run: one index on mbox, the domain index" \
        test "$(mbox_indexes "$old") $(psql_su "$old" -c "select count(*) from pg_indexes where indexname = 'mboxes_domain_index'")" = "1 1"
done
check "PowerMail 1.0 table: the module's role keeps its SELECT" \
    test "$(psql_su "$old" -c "select has_table_privilege('powermail', 'mboxes', 'SELECT')")" = t
out=$(printf '%s\n' old@example.test oldfwd@example.test oldzero@example.test | answers "$old" "$Q_MAILBOXES" | tr '\n' ' ')
out+="| "$(printf '%s\n' old@example.test oldfwd@example.test | answers "$old" "$Q_ALIASES" | tr '\n' ' ')
if [[ $out == "example.test/old/  example.test/oldzero/ |  far@elsewhere.test " ]]; then
    ok "PowerMail 1.0 table: the maps answer for its rows"
else
    not_ok_diag "PowerMail 1.0 table: the maps answer for its rows" "$out"
fi

old=${old_dbs[1]}
old_table "$old" "create index old_mbox on mboxes (mbox)" || bail "a PowerMail 1.0 table with an index in $old"
out=$(apply "$old") || not_ok_diag "PowerMail 1.0 table with its own index on mbox: mailserver.sql" "$out"
check "PowerMail 1.0 table with its own index on mbox: no second one" test "$(mbox_indexes "$old")" = 1

old=${old_dbs[2]}
old_table "$old" "insert into mboxes (mbox) values ('old@example.test')" ||
    bail "a PowerMail 1.0 table with a duplicate in $old"
before=$(snapshot "$old")
apply_fails "$old" "PowerMail 1.0 table with a duplicate address: mailserver.sql fails, naming the index" \
    'could not create unique index "mbox_index"'
check "PowerMail 1.0 table with a duplicate address: nothing changed" \
    test "$(snapshot "$old") $(psql_su "$old" -c "select count(*) from pg_indexes where tablename = 'mboxes'")" = "$before 1"

# A role that could read password through another one is refused.
psql_su postgres -c "grant powermail to powermail_mta" >/dev/null
apply_fails "$db" "powermail_mta a member of powermail (which reads password): mailserver.sql fails and says so" \
    'powermail_mta can still read mboxes.password'
psql_su postgres -c "revoke powermail from powermail_mta" >/dev/null
check "without that membership it runs again" apply "$db"
out=$(psql_su "$db" -f "$PP_TOP/sql/schema.sql" 2>&1 && psql_su "$db" -c "select
    has_column_privilege('powermail_mta', 'mboxes', 'mbox', 'SELECT'),
    has_column_privilege('powermail_mta', 'mboxes', 'quotamb', 'SELECT'),
    has_column_privilege('powermail_mta', 'mboxes', 'password', 'SELECT')" 2>&1)
if [[ $out == "t|t|f" ]]; then
    ok "schema.sql run again keeps powermail_mta's grant as it was"
else
    not_ok_diag "schema.sql run again keeps powermail_mta's grant as it was" "$out"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
