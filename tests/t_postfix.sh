#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_postfix.sh -- the userbase on a stock mail host (issue 22): Postfix with
# the maps of etc/postfix/ (through proxy:pgsql:), Dovecot with the
# fragments of etc/dovecot/ (LMTP delivery with quotaMB's quota, the
# quota-status policy service), the role of sql/mailserver.sql, and the
# same answers as the module's for every address.
#
# Postfix and exim4-daemon-heavy conflict (both are the mail transport
# agent), and make check installs Exim for t_exim.sh: Postfix never goes on
# this machine.  The test makes a fresh root of this machine's release
# (tools/root.sh make; CI runs the suite again inside a Debian 13 root, so
# each release checks its own) and installs there postfix, postfix-pgsql,
# dovecot-core, dovecot-lmtpd, dovecot-pgsql and swaks.  A root shares this
# machine's network: its Postfix (SMTP), Dovecot (LMTP, quota-status) and
# smtp-sink (the outgoing server for forwards) listen on free ports of
# 127.0.0.1, and reach the harness's PostgreSQL there.  Postfix runs with a
# config_directory and queue of its own (/pp/postfix in the root), Dovecot
# with its own config file and base_dir (/pp/dovecot).  `tools/root.sh
# run` kills what it started when its command ends: one `run` holds the
# mounts for the whole test, and the daemons are started by chroot(8)
# inside them; `tools/root.sh destroy` ends them all.
#
# Checks: postmap -q of each map; powermail_mta refused the password
# column; then through SMTP (swaks): an unknown address 550 at RCPT with
# nothing queued and no bounce; a hosted address 250 and the message in its
# Maildir; a forward relayed to smtp-sink for its fwdDest and not stored; a
# forward without fwdDest 550; over quota refused at RCPT by quota-status
# and not stored; a table of address forms (case, default-domain) where
# RCPT answers as the module does at login (pptool auth: its kind); the
# database stopped: 4xx at RCPT and nothing bounced, then 250 again once it
# is back, with no restart.
#
# Needs root (debootstrap, chroot) and the environment tests/run-tests.sh
# gives (tests/CONVENTIONS.md).  PP_POSTFIX_ROOT=DIR uses a root that
# already has the packages instead of making one (for development; it is
# left in place, with what this test wrote in its /pp, until the next run).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"
require_env PP_TOP PP_BUILD PP_TMP PGHOST PGPORT PP_PGSUPER PP_PGCTL PP_SECRETS

# The module's code is the same in every build: one run per release.
plain_build_only "the mail host"
# shellcheck source=tests/dovecot.bash
. "$here/dovecot.bash"

SECONDS=0
release=$(. /etc/os-release && echo "$VERSION_CODENAME")
root=${PP_POSTFIX_ROOT:-$PP_TMP/root}
db=pp_postfix
domain=example.test
# A password of letters and digits: it goes unquoted into map files and a
# libpq connection string.
mta_pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
echo "$mta_pw" >>"$PP_SECRETS"
holder=
pf=/pp/postfix
sender=sender@sender.test

psql_su() { psql -X -q -v ON_ERROR_STOP=1 -U "$PP_PGSUPER" "$@"; }
# in_root CMD...: CMD inside the root (mounted by the holder), as root.
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TZ=UTC \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
must() {
    local before=$failed
    check "$@"
    [[ $failed -eq $before ]] || bail "(the rest depends on it)"
}

cleanup() {
    # Stopped by the test: the harness would start it again, but the
    # daemons' end should not wait for that.
    "$PP_TOP/tests/pg.sh" resume "${PP_PGCTL##* }" >/dev/null 2>&1
    if [[ -n $holder ]]; then
        kill "$holder" 2>/dev/null
        wait "$holder" 2>/dev/null
    fi
    if [[ -z ${PP_POSTFIX_ROOT:-} ]]; then
        "$PP_TOP/tools/root.sh" destroy "$root" >/dev/null 2>&1 || echo "# could not remove $root" >&2
    else
        # A kept root: only this test's processes and files go.
        [[ -d $root/pp ]] && in_root sh -c "postfix -c $pf/etc stop; doveadm -c /pp/dovecot/dovecot.conf stop" >/dev/null 2>&1
        "$PP_TOP/tools/root.sh" run "$root" true >/dev/null 2>&1
    fi
    psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    psql_su -d postgres -c "DROP DATABASE IF EXISTS ${db}_text" >/dev/null 2>&1
}
on_exit cleanup

# --- the root --------------------------------------------------------------------
if [[ -z ${PP_POSTFIX_ROOT:-} ]]; then
    must "a fresh Debian $release root (tools/root.sh make)" "$PP_TOP/tools/root.sh" make "$release" "$root"
    # No package's postinst starts its service in the root.
    printf '#!/bin/sh\n# t_postfix.sh: no service starts in this root\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    # The root's apt cache is shared by every root of the release (the
    # machine's other tests, a second run): while another apt-get holds
    # its lock, wait (up to 5 minutes) rather than fail.
    must "postfix, postfix-pgsql, dovecot-core, dovecot-lmtpd, dovecot-pgsql, swaks installed in it (Postfix: \"No configuration\")" \
        "$PP_TOP/tools/root.sh" run "$root" bash -c '
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q || exit 1
        for _ in $(seq 1 60); do
            out=$(apt-get install -y -q --no-install-recommends \
                postfix postfix-pgsql dovecot-core dovecot-lmtpd dovecot-pgsql swaks 2>&1) && exit 0
            grep -q "Could not get lock" <<<"$out" || break
            sleep 5
        done
        echo "$out"
        exit 1'
fi
# A kept root: what an earlier run left is removed now (and kept after
# this one, to be read).
rm -rf "${root:?}/pp" "$root/var/vmail"
# The holder: mounts proc, sys and dev for the rest of the test; its end
# (cleanup) kills whatever runs inside.
"$PP_TOP/tools/root.sh" run "$root" sleep infinity >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do
    mountpoint -q "$root/proc" && break
    sleep 0.1
done
must "the root is mounted for the test (tools/root.sh run ROOT sleep infinity)" mountpoint -q "$root/proc"
pf_version=$(in_root postconf -d -h mail_version 2>/dev/null)
dv_version=$(in_root dovecot --version 2>/dev/null)
must "the root's Dovecot ($dv_version) is of this machine's series ($DOVECOT_SERIES)" \
    test -n "$DOVECOT_SERIES" -a "${dv_version:0:4}" = "$DOVECOT_SERIES."
ok "Postfix $pf_version, Dovecot $dv_version, in a Debian $release root"

# --- the userbase ----------------------------------------------------------------
# Rows: NAME ISFORWARD FWDDEST QUOTAMB ("-": NULL).
rows=(
    "alice@$domain - - -"
    "zero@$domain 0 - 0"
    "bob@$domain 0 - 1"
    "small@$domain 0 - 1"
    "fwd@$domain 1 dest@remote.test -"
    "two@$domain 2 dest2@remote.test -"
    "nofwd@$domain 1 - -"
    "empty@$domain 1 '' -"
    "Carol@$domain - - -"
)
sql_val() { [[ $1 == - ]] && echo NULL || { [[ $1 == "''" ]] && echo "''" || echo "'$1'"; }; }
{
    echo "BEGIN;"
    for r in "${rows[@]}"; do
        read -r name isf dest quota <<<"$r"
        echo "INSERT INTO mboxes (mbox, password, isforward, fwddest, quotamb) VALUES ('$name', '{plain}pw-$RANDOM$RANDOM', $(sql_val "$isf"), $(sql_val "$dest"), $(sql_val "$quota"));"
    done
    echo "COMMIT;"
} >"$PP_TMP/rows.sql"
sed -n "s/.*'\({plain}[^']*\)'.*/\1/p" "$PP_TMP/rows.sql" | sed 's/^{plain}//' >>"$PP_SECRETS"
# A function, so that a failure shows its name and not the password.
load_userbase() {
    set -e
    psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    psql_su -d $db -f "$PP_TOP/sql/schema.sql"
    psql_su -d $db -f "$PP_TOP/sql/mailserver.sql"
    psql_su -d $db -v pw="$mta_pw" <<'SQL'
SET password_encryption = 'scram-sha-256';
ALTER ROLE powermail_mta PASSWORD :'pw';
SQL
    psql_su -d $db -f "$PP_TMP/rows.sql"
}
# (check runs it in a subshell: its set -e ends there.)
must "a userbase $db: sql/schema.sql, sql/mailserver.sql, powermail_mta's password, ${#rows[@]} rows" load_userbase

out=$(PGPASSWORD=$mta_pw psql -X -h 127.0.0.1 -p "$PGPORT" -U powermail_mta -d $db -c 'SELECT password FROM mboxes LIMIT 1' 2>&1)
if [[ $out == *"permission denied"* ]]; then
    ok "powermail_mta selecting password: permission denied"
else
    not_ok_diag "powermail_mta selecting password: permission denied" "$out"
fi
out=$(PGPASSWORD=$mta_pw psql -X -At -h 127.0.0.1 -p "$PGPORT" -U powermail_mta -d $db \
    -c 'SELECT count(mbox), count(isforward), count(fwddest), count(quotamb) FROM mboxes' 2>&1)
check "and it reads mbox, isforward, fwddest and quotamb ($out)" test "$out" = "${#rows[@]}|7|3|3"

# --- ports, and the maps ---------------------------------------------------------
ports=()
while [[ ${#ports[@]} -lt 4 ]]; do
    p=$(dovecot_free_port)
    [[ -n $p && " ${ports[*]} " != *" $p "* ]] && ports+=("$p")
done
smtp_port=${ports[0]} sink_port=${ports[1]} lmtp_port=${ports[2]} qs_port=${ports[3]}

mkdir -p "$root$pf/etc" "$root/pp/sink"
maps=()
for f in "$PP_TOP"/etc/postfix/pgsql-*.cf; do
    param=$(sed -n '1s/^# for: *//p' "$f")
    [[ -n $param ]] || { not_ok "$(basename "$f") starts with '# for: <parameter>'"; continue; }
    # Only the contract's connection lines are rewritten.
    sed -e "s/^hosts = 127\.0\.0\.1\$/hosts = inet:127.0.0.1:$PGPORT/" -e "s/^dbname = powermail\$/dbname = $db/" \
        -e "s/^password = change-me\$/password = $mta_pw/" "$f" >"$root$pf/etc/$(basename "$f")"
    # Readable by proxymap (user postfix), not by everyone: the database
    # password is in it.
    chmod 640 "$root$pf/etc/$(basename "$f")"
    chroot "$root" chgrp postfix "$pf/etc/$(basename "$f")"
    if [[ $(grep -cE "^(hosts = inet:127\.0\.0\.1:$PGPORT|dbname = $db|password = $mta_pw|user = powermail_mta)\$" \
        "$root$pf/etc/$(basename "$f")") -eq 4 ]]; then
        maps+=("$param=$(basename "$f")")
    else
        not_ok_diag "$(basename "$f"): the connection lines hosts, user, password, dbname as the contract has them" \
            "$(grep -E '^(hosts|user|password|dbname) *=' "$f")"
    fi
done
map_for() { # map_for PARAMETER: the map file's name in the root's config
    local m
    for m in "${maps[@]}"; do
        [[ ${m%%=*} == "$1" ]] && { echo "$pf/etc/${m#*=}"; return 0; }
    done
    return 1
}
for p in virtual_mailbox_domains virtual_mailbox_maps virtual_alias_maps; do
    map_for "$p" >/dev/null || bail "etc/postfix has a map for $p"
done

# postmap -q KEY against each map (direct pgsql:, as an operator checks).
postmap_q() { in_root postmap -c "$pf/etc" -q "$2" "pgsql:$(map_for "$1")" 2>&1; }
# expect_map PARAMETER KEY ANSWER ("" for none)
expect_map() {
    local got rc
    got=$(postmap_q "$1" "$2")
    rc=$?
    if [[ -z $3 && $rc -eq 1 && -z $got ]] || [[ -n $3 && $rc -eq 0 && $got == "$3" ]]; then
        ok "postmap -q $2 $1: ${3:-(not found)}"
    else
        not_ok_diag "postmap -q $2 $1: ${3:-(not found)}" "exit $rc: $got"
    fi
}

# --- Postfix -----------------------------------------------------------------------
cp "$root/etc/postfix/master.cf" "$root$pf/etc/master.cf"
cat >"$root$pf/etc/main.cf" <<EOF
# t_postfix.sh: a private instance
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.pp.test
mydomain = pp.test
# The module's default-domain: an address without a domain is completed
# as the module completes a login name without one.
myorigin = $domain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtp_dns_support_level = disabled
biff = no
# Forwards (and any bounce) go to smtp-sink.
relayhost = [127.0.0.1]:$sink_port
virtual_mailbox_domains = proxy:pgsql:$(map_for virtual_mailbox_domains)
virtual_mailbox_maps = proxy:pgsql:$(map_for virtual_mailbox_maps)
virtual_alias_maps = proxy:pgsql:$(map_for virtual_alias_maps)
virtual_transport = lmtp:inet:127.0.0.1:$lmtp_port
smtpd_relay_restrictions = reject_unauth_destination
recipient_delimiter =
smtpd_recipient_restrictions = reject_unlisted_recipient,
    check_policy_service inet:127.0.0.1:$qs_port
EOF
for m in "${maps[@]}"; do
    [[ ${m%%=*} =~ ^(virtual_mailbox_domains|virtual_mailbox_maps|virtual_alias_maps)$ ]] && continue
    # Any other map etc/postfix ships goes where it says.
    echo "${m%%=*} = proxy:pgsql:$pf/etc/${m#*=}" >>"$root$pf/etc/main.cf"
done
must "master.cf: smtpd on 127.0.0.1:$smtp_port only, nothing chrooted" in_root bash -c "
    postconf -c $pf/etc -MX smtp/inet && postconf -c $pf/etc -M '127.0.0.1:$smtp_port/inet=127.0.0.1:$smtp_port inet n - n - - smtpd' &&
    postconf -c $pf/etc -F '*/*/chroot=n'"
mkdir -p "$root$pf/queue" "$root$pf/data" && in_root chown postfix: "$pf/data"
# postfix(1) says why it failed in its log only.
pfx() { in_root bash -c "postfix -c $pf/etc $* >$pf/out 2>&1 </dev/null || { cat $pf/out; tail -n 5 $pf/maillog; exit 1; }"; }
must "postfix check on the private instance (its config_directory $pf/etc)" pfx check

# --- Dovecot ------------------------------------------------------------------------
DVM_LMTP_PORT=$lmtp_port DVM_QS_PORT=$qs_port DVM_PG_PORT=$PGPORT DVM_PG_DB=$db DVM_PG_PASSWORD=$mta_pw \
    must "etc/dovecot/$DOVECOT_SERIES's fragments, only the site's lines rewritten" \
    dovecot_write_mail_conf "$root/pp/dovecot" /pp/dovecot
in_root id vmail >/dev/null 2>&1 || in_root useradd --system --home-dir /var/vmail --no-create-home vmail
mkdir -p "$root/var/vmail" && in_root chown vmail:vmail /var/vmail
must "doveconf reads it" in_root doveconf -c /pp/dovecot/dovecot.conf -n
# (Its output to a file: the daemon keeps what it was given open.)
must "dovecot starts" in_root bash -c "dovecot -c /pp/dovecot/dovecot.conf >/pp/dovecot/start.out 2>&1 </dev/null ||
    { cat /pp/dovecot/start.out; tail -n 5 /pp/dovecot/dovecot.log; exit 1; }"
# smtp-sink: a file per message in /pp/sink, its envelope in X-Mail-Args
# and X-Rcpt-Args lines.
chmod 777 "$root/pp/sink"
in_root smtp-sink -u nobody -d "/pp/sink/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 20 >/dev/null 2>&1 &
must "postfix starts" pfx start
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
up=
for _ in $(seq 1 100); do
    listening "$smtp_port" && listening "$sink_port" && listening "$lmtp_port" && listening "$qs_port" && { up=1; break; }
    sleep 0.1
done
must "SMTP :$smtp_port, smtp-sink :$sink_port, LMTP :$lmtp_port, quota-status :$qs_port listen on 127.0.0.1" test -n "$up"

# --- SMTP ---------------------------------------------------------------------------
# rcpt ADDR: the server's answer to RCPT TO (its last line), after a
# MAIL FROM from $sender.
rcpt() {
    in_root swaks --server "127.0.0.1:$smtp_port" --from "$sender" --to "$1" --quit-after RCPT \
        --timeout 20 2>&1 | awk '/^ *-> RCPT TO:/ { r = 1; next }
            r && /^<[-*~]* +[2-5][0-9][0-9][ -]/ { sub(/^<[-*~]* +/, ""); print; exit }'
}
# send ADDR: a whole message to ADDR; swaks's exit status.
send() {
    in_root swaks --server "127.0.0.1:$smtp_port" --from "$sender" --to "$1" \
        --header "Subject: t_postfix $2" --body "t_postfix $2" --timeout 20 >"$PP_TMP/swaks.out" 2>&1
}
queue_files() { find "$root$pf/queue"/{maildrop,incoming,active,deferred,hold} -type f 2>/dev/null | wc -l; }
# Wait until Postfix has nothing queued (the qmgr delivers at once).
queue_settles() {
    for _ in $(seq 1 100); do
        [[ $(queue_files) -eq 0 ]] && return 0
        sleep 0.1
    done
    return 1
}
sink_files() { ls "$root/pp/sink" | wc -l; }
maildir_new() { ls "$root/var/vmail/$domain/$1/Maildir/new" 2>/dev/null | wc -l; }
# bounces: smtp-sink's messages with a null sender (a bounce goes to
# $sender through the relayhost).
bounces() { grep -l '^X-Mail-Args: <>' "$root/pp/sink"/* 2>/dev/null | wc -l; }

answer_is() { # answer_is TEXT ANSWER CODE_ERE
    if [[ $2 =~ $3 ]]; then ok "$1: $2"; else not_ok "$1: want $3, got '${2:-no answer}'"; fi
}

a=$(rcpt "nobody@$domain")
answer_is "unknown address: 550 at RCPT" "$a" '^550 '
send "nobody@$domain" unknown
check "unknown address: the whole session refused (swaks fails)" test "$(grep -c '^<\** *550 ' "$PP_TMP/swaks.out")" -ge 1
sleep 1
check "unknown address: nothing in Postfix's queue" test "$(queue_files)" -eq 0
check "unknown address: no bounce at smtp-sink" test "$(bounces)" -eq 0

a=$(rcpt "alice@$domain")
answer_is "hosted: 250 at RCPT" "$a" '^250 '
check "hosted: a whole message accepted" send "alice@$domain" hosted
queue_settles
check "hosted: the message in /var/vmail/$domain/alice/Maildir/new (LMTP)" test "$(maildir_new alice)" -eq 1

a=$(rcpt "fwd@$domain")
answer_is "forward: 250 at RCPT (quota-status: DUNNO for no user)" "$a" '^250 '
check "forward: a whole message accepted" send "fwd@$domain" forward
queue_settles
check "forward: relayed to smtp-sink for its fwdDest dest@remote.test" \
    grep -rlq '^X-Rcpt-Args: <dest@remote\.test>' "$root/pp/sink"
check "forward: nothing stored locally" test ! -e "$root/var/vmail/$domain/fwd"
a=$(rcpt "two@$domain")
answer_is "forward with isForward 2: 250 at RCPT" "$a" '^250 '

a=$(rcpt "nofwd@$domain")
answer_is "forward without fwdDest (NULL): 550 at RCPT" "$a" '^550 '
a=$(rcpt "empty@$domain")
answer_is "forward with an empty fwdDest: 550 at RCPT" "$a" '^550 '

# --- the same answers as the module ---------------------------------------------------
# Every form of every row's address (as stored, lower, upper, capitalised,
# without the domain) and some unknown ones: RCPT's answer is the module's
# kind (pptool auth through its code, the default lowercase = yes and
# default-domain = $domain): hosted 250, forward 250 with a fwdDest and 550
# without, unknown 550.
{
    $PP_PGCTL pamconf | sed "s/^postgresql-database = .*/postgresql-database = $db/"
    echo "default-domain = $domain"
} >"$PP_TMP/pp.conf"
chmod 600 "$PP_TMP/pp.conf"
forms=("nobody@$domain" "alice@other.test")
for r in "${rows[@]}"; do
    read -r name _ <<<"$r"
    l=${name%@*}
    forms+=("$name" "${name,,}" "${name^^}" "${name^}" "$l" "${l^^}" "${l,,}")
done
mapfile -t forms < <(printf '%s\n' "${forms[@]}" | sort -u)
agree=0 disagree=()
for f in "${forms[@]}"; do
    out=$(echo x | "$PP_BUILD/pptool" auth --config "$PP_TMP/pp.conf" "$f" 2>/dev/null)
    kind=$(sed -n 's/^kind: *//p' <<<"$out")
    mbox=$(sed -n 's/^mailbox: *//p' <<<"$out")
    case $kind in
    hosted) want='^250 ' ;;
    forward)
        want='^550 '
        for r in "${rows[@]}"; do
            read -r name _ dest _ <<<"$r"
            [[ $name == "$mbox" && $dest != - && $dest != "''" ]] && want='^250 '
        done
        ;;
    unknown) want='^55[04] ' ;;
    *) disagree+=("$f: pptool auth said '${out//$'\n'/ | }'"); continue ;;
    esac
    a=$(rcpt "$f")
    if [[ $a =~ $want ]]; then
        agree=$((agree + 1))
    else
        disagree+=("$f: the module says $kind, RCPT answered '$a'")
    fi
done
if [[ ${#disagree[@]} -eq 0 ]]; then
    ok "RCPT answers as the module's kind for all ${#forms[@]} address forms (case, default-domain)"
else
    not_ok_diag "RCPT answers as the module's kind for all ${#forms[@]} address forms ($agree agree)" \
        "$(printf '%s\n' "${disagree[@]}")"
fi

# Over quota: bob's quotaMB is 1; a 2 MB message put in his Maildir and
# counted (doveadm quota recalc), then RCPT asks quota-status.
mkdir -p "$root/var/vmail/$domain/bob/Maildir"/{new,cur,tmp}
{ printf 'From: x@x.test\nSubject: fill\n\n'; head -c 1500000 /dev/urandom | base64; } \
    >"$root/var/vmail/$domain/bob/Maildir/cur/1.fill.pp:2,S"
in_root chown -R vmail:vmail "/var/vmail/$domain"
check "doveadm quota recalc for bob" in_root doveadm -c /pp/dovecot/dovecot.conf quota recalc -u "bob@$domain"
q=$(in_root doveadm -c /pp/dovecot/dovecot.conf quota get -u "bob@$domain" 2>&1)
check "doveadm quota get: bob's limit is quotaMB's 1 MB (1024 KiB)" \
    grep -Eq '^User quota +STORAGE +[0-9]+ +1024 +[0-9]+' <<<"$q"
q=$(in_root doveadm -c /pp/dovecot/dovecot.conf quota get -u "zero@$domain" 2>&1)
check "doveadm quota get: quotaMB 0 is no limit" grep -Eq '^User quota +STORAGE +[0-9]+ +- +' <<<"$q"
a=$(rcpt "bob@$domain")
answer_is "over quota: refused at RCPT with quota-status's answer" "$a" '^552 5\.2\.2 .*Mailbox is full'
send "bob@$domain" overquota
# A message announced with SIZE= (swaks has no such option: Python's
# smtplib) that would not fit an empty mailbox of quotaMB 1: refused at
# RCPT too, and one that fits accepted.
size_rcpt() {
    /usr/bin/python3 - "$smtp_port" "$sender" "$1" "$2" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.ehlo("client.test")
s.mail(sys.argv[2], ["SIZE=" + sys.argv[4]])
code, msg = s.rcpt(sys.argv[3])
print(code, msg.decode(errors="replace"))
s.quit()
PY
}
a=$(size_rcpt "small@$domain" 2000000 2>&1)
answer_is "SIZE=2000000 for an empty mailbox of 1 MB: refused at RCPT by quota-status" "$a" '^552 5\.2\.2 .*Mailbox is full'
a=$(size_rcpt "small@$domain" 1000 2>&1)
answer_is "SIZE=1000 for it: 250 at RCPT" "$a" '^250 '
sleep 1
queue_settles
check "over quota: the message not stored" test "$(maildir_new bob)" -eq 0
check "over quota: no bounce at smtp-sink" test "$(bounces)" -eq 0

# Not in the table: a trailing dot.  Postfix drops it before any lookup
# (alice@DOMAIN. is alice@DOMAIN to it, the same mailbox), the module takes
# the name as it is and refuses it; INSTALL section 12 says so.  Asserted,
# so that a change on either side shows.
a=$(rcpt "alice@$domain.")
answer_is "alice@$domain. (a trailing dot): Postfix takes it as alice's mailbox (250)" "$a" '^250 '
out=$(echo x | "$PP_BUILD/pptool" auth --config "$PP_TMP/pp.conf" "alice@$domain." 2>/dev/null)
check "and the module calls alice@$domain. unknown" grep -q '^kind: *unknown' <<<"$out"

# --- postmap -q ------------------------------------------------------------------------
check "postmap -q $domain virtual_mailbox_domains: found" postmap_q virtual_mailbox_domains "$domain"
expect_map virtual_mailbox_domains other.test ""
check "postmap -q alice@$domain virtual_mailbox_maps: found" postmap_q virtual_mailbox_maps "alice@$domain"
check "postmap -q zero@$domain virtual_mailbox_maps: found" postmap_q virtual_mailbox_maps "zero@$domain"
for k in "fwd@$domain" "nofwd@$domain" "empty@$domain" "nobody@$domain" "carol@$domain"; do
    expect_map virtual_mailbox_maps "$k" ""
done
expect_map virtual_alias_maps "fwd@$domain" dest@remote.test
expect_map virtual_alias_maps "two@$domain" dest2@remote.test
for k in "alice@$domain" "nofwd@$domain" "empty@$domain" "nobody@$domain"; do
    expect_map virtual_alias_maps "$k" ""
done

# --- the database down, then back ---------------------------------------------------------
before_sink=$(sink_files)
$PP_PGCTL stop >/dev/null 2>&1
a=$(rcpt "alice@$domain")
answer_is "database stopped: 4xx at RCPT" "$a" '^4[0-9][0-9] '
send "alice@$domain" outage
sleep 1
check "database stopped: nothing queued" test "$(queue_files)" -eq 0
check "database stopped: nothing bounced (smtp-sink got nothing)" test "$(sink_files)" -eq "$before_sink"
$PP_PGCTL start >/dev/null 2>&1
# Postfix's pgsql client leaves a host it could not reach alone for a
# minute (dict_pgsql's retry interval): wait for up to 90 s.
t0=$SECONDS a=
while [[ $((SECONDS - t0)) -lt 90 ]]; do
    a=$(rcpt "alice@$domain")
    [[ $a =~ ^250\  ]] && break
    sleep 2
done
answer_is "database started again: 250 at RCPT, no Postfix restart (after $((SECONDS - t0)) s)" "$a" '^250 '
check "and the message is delivered" send "alice@$domain" after-outage
queue_settles
check "in alice's Maildir (2 messages now)" test "$(maildir_new alice)" -eq 2

check "Postfix's log has no bounce (status=bounced)" bash -c "! grep -q 'status=bounced' '$root$pf/maillog'"
diag <<<"time: ${SECONDS}s"
echo "1..$n"
[[ $failed -eq 0 ]]
