#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_man.sh -- the man pages document what the code accepts:
#   every key of lib/config.c's key table is an entry of pam_powermail.conf(5)
#     KEYS, and every entry there is such a key (no stale key);
#   every module argument of lib/config.c's word table is an entry of
#     pam_powermail(8) OPTIONS;
#   every command of pptool/pptool.c's command table is an entry of pptool(8).
# An entry is a .TP (or .TQ) whose next line starts with .B, .BI, .BR or \fB
# and then the name, hyphens written \- (man/pptool.8: \fBmigrate\-plain\fR).
# The names come from the C sources as the test runs; too few of them fails,
# so that a changed table layout cannot make the test pass on nothing.
# Needs no database and no build.
set -uo pipefail
top=${PP_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/tap.bash
. "$top/tests/tap.bash"

# names RE FILE: the first group of RE, for every match in FILE.
names() {
    grep -oE "$1" "$2" | sed -E "s/$1/\\1/"
}

# entries PAGE [SECTION]: the name each entry of PAGE (of its .SH SECTION
# only, when given) documents, hyphens as they are in C.
entries() {
    awk -v want="${2:-}" '
        /^\.SH[ \t]/ { s = $0; sub(/^\.SH[ \t]+/, "", s); gsub(/"/, "", s)
                       in_section = (want == "" || s == want); tag = 0; next }
        /^\.T[PQ]([ \t]|$)/ { tag = 1; next }
        tag { tag = 0; if (in_section) print }
    ' "$1" | sed -nE 's/^(\.(B|BI|BR)[ \t]+"?|\\fB)(\\fB)?(([A-Za-z0-9_]|\\-)+).*/\4/p' |
        sed 's/\\-/-/g' | sort -u
}

# check_table WHAT MIN PAGE_LABEL DOCUMENTED NAMES...: each name documented.
check_table() {
    local what=$1 min=$2 label=$3 documented=$4 name
    shift 4
    if [[ $# -ge $min ]]; then
        ok "$what: $# found in the source (at least $min)"
    else
        not_ok "$what: $# found in the source, fewer than $min: has the table's layout changed?"
    fi
    local -A entry=()
    while read -r name; do [[ -z $name ]] || entry[$name]=1; done <<<"$documented"
    for name in "$@"; do
        [[ -n ${entry[$name]:-} ]] && ok "$label documents $what $name" && continue
        not_ok "$label documents $what $name (a .TP entry with \\fB$name\\fR or .B/.BI/.BR, hyphens as \\-)"
    done
}

mapfile -t keys < <(names '\{ "([a-z0-9-]+)", KEY_[A-Z]+, offsetof' "$top/lib/config.c")
mapfile -t words < <(names '\{ "([a-z0-9_]+)", WORD_[A-Z_]+, ' "$top/lib/config.c")
mapfile -t commands < <(names '\{ "([a-z0-9-]+)", (pp_)?cmd_[a-z0-9_]+ \}' "$top/pptool/pptool.c")

conf_entries=$(entries "$top/man/pam_powermail.conf.5" KEYS)
check_table "key" 20 "pam_powermail.conf(5) KEYS" "$conf_entries" "${keys[@]}"

# No stale key: every entry of KEYS is one config.c accepts.
declare -A accepted=()
for key in "${keys[@]}"; do accepted[$key]=1; done
stale=0
while read -r entry; do
    [[ -n $entry ]] || continue
    if [[ -z ${accepted[$entry]:-} ]]; then
        not_ok "pam_powermail.conf(5) KEYS documents $entry, which lib/config.c does not accept"
        stale=$((stale + 1))
    fi
done <<<"$conf_entries"
[[ $stale -eq 0 ]] && ok "pam_powermail.conf(5) KEYS documents no key lib/config.c does not accept"

check_table "module argument" 4 "pam_powermail(8) OPTIONS" \
    "$(entries "$top/man/pam_powermail.8" OPTIONS)" "${words[@]}"
check_table "command" 8 "pptool(8)" "$(entries "$top/man/pptool.8")" "${commands[@]}"

echo "1..$n"
[[ $failed -eq 0 ]]
