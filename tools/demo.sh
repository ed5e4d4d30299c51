#!/usr/bin/env bash
# tools/demo.sh BUILD -- the main job, shown on PowerMail's own examples:
# pptool checks s3cr3t! against each stored form the manual gives.
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
