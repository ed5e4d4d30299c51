#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_pptool.sh -- TAP test of the pptool CLI against the seed (PowerMail manual
# section 9.1) and against independent implementations: openssl passwd, Python's
# hashlib and crypt modules (tests/py/ppcrypt.py), passlib (pure-Python backends where it has them),
# libxcrypt's crypt_gensalt via ctypes, and the argon2 reference CLI.
#
# No expected hash is hard-coded except the seed's published vectors; every other
# expected value is computed while the test runs.
#
# Environment: PP_BUILD (default: ../build next to this script), PP_TMP (default:
# a fresh mktemp -d, removed at exit).  Needs the Debian packages openssl, python3,
# python3-passlib, argon2 (tools/deps.sh check group); a missing one shows up as
# failed checks, never as silently skipped ones.

set -u

here=$(cd "$(dirname "$0")" && pwd)
PP_BUILD=${PP_BUILD:-$here/../build}
PPTOOL=$PP_BUILD/pptool
if [[ -z ${PP_TMP:-} ]]; then
    PP_TMP=$(mktemp -d)
    trap 'rm -rf "$PP_TMP"' EXIT
fi
PY=/usr/bin/python3
export PYTHONPATH=$here/py   # ppcrypt.py
export LC_ALL=C.UTF-8
# Python 3.11 deprecates the crypt module; it is still there, silence the warning.
export PYTHONWARNINGS=ignore
# Let passlib use its pure-Python bcrypt (only used with cost 4 below).
export PASSLIB_BUILTIN_BCRYPT=enabled

T_NORMAL=60   # seconds for any ordinary pptool run
T_FAST=3      # seconds within which a refusal (exit 2 without computing) must come

# TAP: ok, not_ok_diag, check (tests/tap.bash)
# shellcheck source=tests/tap.bash
. "$here/tap.bash"

# code_in RC CODES  -- CODES is like "2" or "1|2"
code_in() {
    local c
    IFS='|' read -r -a cs <<<"$2"
    for c in "${cs[@]}"; do [[ $1 == "$c" ]] && return 0; done
    return 1
}

# run_pp STDIN TIMEOUT ARG...  -- runs pptool; sets rc, out, err.
# STDIN is written as one line (with a trailing newline); the special value
# '<none>' gives /dev/null, '<file:PATH>' redirects from PATH.
run_pp() {
    local in=$1 t=$2
    shift 2
    if [[ $in == '<none>' ]]; then
        timeout -k 2 "$t" "$PPTOOL" "$@" </dev/null >"$PP_TMP/out" 2>"$PP_TMP/err"
        rc=$?
    elif [[ $in == '<file:'*'>' ]]; then
        in=${in#<file:}; in=${in%>}
        timeout -k 2 "$t" "$PPTOOL" "$@" <"$in" >"$PP_TMP/out" 2>"$PP_TMP/err"
        rc=$?
    else
        printf '%s\n' "$in" | timeout -k 2 "$t" "$PPTOOL" "$@" >"$PP_TMP/out" 2>"$PP_TMP/err"
        rc=$?
    fi
    out=$(cat "$PP_TMP/out")
    err=$(cat "$PP_TMP/err")
}

# expect_exit CODES DESC ARG...  -- pptool ARG... with stdin /dev/null
expect_exit() {
    local codes=$1 d=$2
    shift 2
    run_pp '<none>' "$T_NORMAL" "$@"
    if code_in "$rc" "$codes"; then ok "$d"
    else not_ok_diag "$d" "pptool $* exited $rc, wanted $codes" "stderr: $err"; fi
}

# expect_verify CODES DESC STORED PASSWORD [STDERR-ERE [TIMEOUT]]
# PASSWORD '<none>' means empty standard input.  When STDERR-ERE is given
# (and not empty), stderr must match it case-insensitively.
expect_verify() {
    local codes=$1 d=$2 stored=$3 pw=$4 re=${5:-} t=${6:-$T_NORMAL}
    run_pp "$pw" "$t" verify "$stored"
    if ! code_in "$rc" "$codes"; then
        local why="exited $rc, wanted $codes"
        [[ $rc -eq 124 || $rc -eq 137 ]] && why="timed out after ${t}s, wanted $codes"
        not_ok_diag "$d" "pptool verify '$stored' $why" "stderr: $err"
    elif [[ -n $re ]] && ! grep -Eqi -- "$re" <<<"$err"; then
        not_ok_diag "$d" "pptool verify '$stored' exited $rc but stderr does not match /$re/" "stderr: $err"
    else
        ok "$d"
    fi
}

# Password mutations.  The first character is always replaced (DES only looks at
# the first 8); dropping the last character is only a change for non-DES schemes.
mut_first() { local p=$1; if [[ ${p:0:1} == x ]]; then printf 'y%s' "${p:1}"; else printf 'x%s' "${p:1}"; fi; }
mut_last() { printf '%s' "${1%?}"; }

# verify_triple DESC STORED PASSWORD [des]
#   right password -> 0; first char changed -> 1; last char dropped -> 1 (not for
#   DES or LAN Manager, which read only the first 8 or 14 bytes)
verify_triple() {
    local d=$1 stored=$2 pw=$3 kind=${4:-}
    if [[ -z $stored ]]; then
        not_ok_diag "$d: independent generator produced a value" "empty stored value"
        return
    fi
    expect_verify 0 "$d: right password matches" "$stored" "$pw"
    expect_verify 1 "$d: first character changed mismatches" "$stored" "$(mut_first "$pw")"
    if [[ $kind != des ]]; then
        expect_verify 1 "$d: last character dropped mismatches" "$stored" "$(mut_last "$pw")"
    fi
}

rand_chars() { LC_ALL=C tr -dc './0-9A-Za-z' </dev/urandom | head -c "$1"; }

# ----------------------------------------------------------------------------
# Python helper (independent implementations)
# ----------------------------------------------------------------------------
H=$PP_TMP/helper.py
cat >"$H" <<'PYEOF'
import base64, binascii, ctypes, hashlib, os, re, subprocess, sys, warnings
warnings.simplefilter("ignore")

def b(s):            # argv string -> the exact bytes the shell passed
    return os.fsencode(s)

def b64d(s):         # unpadded or padded standard base64
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)

def crypt_mod():
    import ppcrypt            # tests/py: crypt or legacycrypt, as the release has
    return ppcrypt

def passlib_handler(name):
    import passlib.hash as ph
    h = getattr(ph, name)
    # Prefer passlib's own pure-Python code over libxcrypt (os_crypt).
    if hasattr(h, "set_backend"):
        try:
            h.set_backend("builtin")
        except Exception:
            pass
    return h

cmd, a = sys.argv[1], sys.argv[2:]

if cmd == "digest":                       # ALG b64|hex PW
    d = hashlib.new(a[0], b(a[2])).digest()
    print(base64.b64encode(d).decode() if a[1] == "b64" else d.hex())

elif cmd == "salted":                     # ALG PW SALTLEN
    salt = os.urandom(int(a[2]))
    print(base64.b64encode(hashlib.new(a[0], b(a[1]) + salt).digest() + salt).decode())

elif cmd == "salted_check":               # ALG PW VALUE: digest || non-empty salt
    raw = base64.b64decode(a[2], validate=True)
    n = hashlib.new(a[0]).digest_size
    dig, salt = raw[:n], raw[n:]
    ok = len(salt) > 0 and hashlib.new(a[0], b(a[1]) + salt).digest() == dig
    print("salt %d bytes, %s" % (len(salt), "ok" if ok else "MISMATCH"))
    sys.exit(0 if ok else 1)

elif cmd == "salted_bytes":               # ALG DIGEST-BYTES: a value with a too short digest
    print(base64.b64encode(os.urandom(int(a[1]))).decode())

elif cmd == "digest_match":               # ALG PW VALUE: VALUE is the b64 or hex digest
    d = hashlib.new(a[0], b(a[1])).digest()
    ok = a[2] in (base64.b64encode(d).decode(), d.hex())
    print("ok" if ok else "want %s or %s" % (base64.b64encode(d).decode(), d.hex()))
    sys.exit(0 if ok else 1)

elif cmd == "crypt":                      # SETTING PW
    r = crypt_mod().crypt(a[1], a[0])
    if not r or r.startswith("*"):
        sys.exit("crypt failed for setting %r" % a[0])
    print(r)

elif cmd == "crypt_check":                # PW STORED
    r = crypt_mod().crypt(a[0], a[1])
    print("crypt gives %r" % r)
    sys.exit(0 if r == a[1] else 1)

elif cmd == "mksalt":                     # CRYPT|MD5|SHA256|SHA512|BLOWFISH [rounds]
    c = crypt_mod()
    kw = {"rounds": int(a[1])} if len(a) > 1 else {}
    print(c.mksalt(getattr(c, "METHOD_" + a[0]), **kw))

elif cmd == "gensalt":                    # PREFIX COUNT: libxcrypt crypt_gensalt
    lib = ctypes.CDLL("libcrypt.so.1")
    f = lib.crypt_gensalt
    f.restype = ctypes.c_char_p
    f.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    s = f(a[0].encode(), int(a[1]), None, 0)
    if not s:
        sys.exit("crypt_gensalt(%s) failed" % a[0])
    print(s.decode())

elif cmd == "passlib":                    # NAME PW [key=int...]
    h = passlib_handler(a[0])
    kw = {}
    for kv in a[2:]:
        k, v = kv.split("=", 1)
        kw[k] = int(v) if v.isdigit() else v
    print((h.using(**kw) if kw else h).hash(a[1]))

elif cmd == "passlib_verify":             # NAME PW STORED
    h = passlib_handler(a[0])
    sys.exit(0 if h.verify(a[1], a[2]) else 1)

elif cmd == "argon2_salt_ok":             # ENCODED: salt usable on the argon2 command line
    m = re.fullmatch(r"\$argon2(i|id)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([^$]*)\$([^$]*)", a[0])
    if not m:
        sys.exit("not an encoded argon2 string: %r" % a[0])
    salt = b64d(m.group(6))
    sys.exit(0 if b"\0" not in salt and len(salt) >= 8 else 3)

elif cmd == "argon2_check":               # PW ENCODED: recompute with the argon2 CLI
    m = re.fullmatch(r"\$argon2(i|id)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([^$]*)\$([^$]*)", a[1])
    if not m:
        sys.exit("not an encoded argon2 string: %r" % a[1])
    typ, ver, mem, t, p, s64, h64 = m.groups()
    salt, hsh = b64d(s64), b64d(h64)
    if b"\0" in salt:
        # argon2(1) takes the salt as a C string (argv), so a salt with a NUL byte
        # cannot be given to it; the caller retries with a fresh value.
        sys.exit(3)
    args = ["argon2", salt, "-" + typ, "-t", t, "-k", mem, "-p", p,
            "-l", str(len(hsh)), "-e", "-v", "13" if (ver or "16") == "19" else "10"]
    r = subprocess.run(args, input=b(a[0]), capture_output=True)
    got = r.stdout.decode().strip()
    print("argon2 CLI: %s" % got)
    sys.exit(0 if r.returncode == 0 and got == a[1] else 1)

elif cmd == "dovecot_check":              # SCHEME PW VALUE: Dovecot's older schemes, recomputed
    import hmac
    name, pw, v = a[0], b(a[1]), a[2]
    if name in ("ntlm", "lanman", "plain-md4"):
        # passlib's own pure-Python MD4 and DES, not OpenSSL's
        from passlib.crypto._md4 import md4
        import passlib.hash as ph
        want = {"ntlm": lambda: ph.nthash.hash(a[1]),
                "lanman": lambda: ph.lmhash.hash(a[1]),
                "plain-md4": lambda: md4(pw).hexdigest()}[name]()
        ok = v.lower() == want
    elif name == "rpa":                    # ASCII: "UCS-2" big-endian is UTF-16-BE
        want = hashlib.md5(a[1].encode("utf-16-be")).hexdigest()
        ok = v.lower() == want
    elif name == "pbkdf2":                 # $1$SALT$ROUNDS$HEX, the salt text as it is
        _, one, salt, rounds, hx = v.split("$")
        want = hashlib.pbkdf2_hmac("sha1", pw, salt.encode(), int(rounds), 20).hex()
        ok = one == "1" and hx.lower() == want
    elif name.startswith("scram-"):        # ITER,SALT,STOREDKEY,SERVERKEY (RFC 5802)
        alg = "sha1" if name == "scram-sha-1" else "sha256"
        it, salt, stored, server = v.split(",")
        sp = hashlib.pbkdf2_hmac(alg, pw, base64.b64decode(salt), int(it))
        ck = hmac.new(sp, b"Client Key", alg).digest()
        sk = hmac.new(sp, b"Server Key", alg).digest()
        want = stored
        ok = base64.b64decode(stored) == hashlib.new(alg, ck).digest() and base64.b64decode(server) == sk
    else:
        sys.exit("dovecot_check: no recipe for %s" % name)
    print("want %s" % want)
    sys.exit(0 if ok else 1)

elif cmd == "dovecot_make":               # SCHEME PW: a value made here, random salt
    import hmac
    name, pw = a[0], b(a[1])
    if name == "pbkdf2":
        salt = base64.b64encode(os.urandom(12)).decode().replace("+", ".")
        print("$1$%s$%d$%s" % (salt, 6000, hashlib.pbkdf2_hmac("sha1", pw, salt.encode(), 6000, 20).hex()))
    else:
        alg = "sha1" if name == "scram-sha-1" else "sha256"
        salt = os.urandom(12)
        sp = hashlib.pbkdf2_hmac(alg, pw, salt, 5000)
        stored = hashlib.new(alg, hmac.new(sp, b"Client Key", alg).digest()).digest()
        server = hmac.new(sp, b"Server Key", alg).digest()
        print("5000,%s,%s,%s" % tuple(base64.b64encode(x).decode() for x in (salt, stored, server)))

elif cmd == "schemes":                    # parse `pptool schemes` on stdin
    # Layout: a header line, then NAME ALIASES(comma list or -) HASH(yes/no) DESCRIPTION.
    bad = 0
    for line in sys.stdin:
        t = line.split()
        if not t or t[0].lower() in ("scheme", "name"):
            continue
        if len(t) < 3 or t[2].lower() not in ("yes", "no"):
            print("? " + line.strip())
            bad = 1
            continue
        aliases = [] if t[1] == "-" else t[1].lower().split(",")
        print(t[0].lower(), t[2].lower(), " ".join(aliases))
    sys.exit(bad)

else:
    sys.exit("helper: unknown command " + cmd)
PYEOF
hp() { "$PY" "$H" "$@"; }

# ----------------------------------------------------------------------------
# 0. Prerequisites (each a check: a missing tool must fail, not skip)
# ----------------------------------------------------------------------------
check "pptool exists and is executable ($PPTOOL)" test -x "$PPTOOL"
check "openssl passwd is available" openssl passwd -1 -salt abcdefgh x
check "argon2 CLI is available" bash -c 'printf x | argon2 saltsalt -id -e -k 64 -t 1 >/dev/null'
check "python3 crypt binding is available (tests/py/ppcrypt.py)" "$PY" -c 'import ppcrypt'
check "python3-passlib is available" "$PY" -c 'import passlib.hash'
check "libxcrypt crypt_gensalt reachable through ctypes" hp gensalt '$y$' 0

if [[ ! -x $PPTOOL ]]; then
    echo "Bail out! no pptool at $PPTOOL"
    echo "1..$n"
    exit 1
fi

PW_A='Tr0ub4dor&3'
PW_B='p ä$s\w"o'"'"'rd %s'
PWS=("$PW_A" "$PW_B")
SEED_PW='s3cr3t!'
SEED_MD5='$1$Wh/8PmbX$tLpq3mPsvT5gdVJcVVYXA1'
SEED_DES='/CFF1gJfAFAqM'

# ----------------------------------------------------------------------------
# 1. The seed (manual 9.1) and the parse rule
# ----------------------------------------------------------------------------
seed_values=("{md5}$SEED_MD5" "{crypt}$SEED_DES" "{plain}$SEED_PW" "$SEED_PW"
             "{PLAIN}$SEED_PW" "{Md5}$SEED_MD5" "{MD5-CRYPT}$SEED_MD5" "{CRYPT}$SEED_DES"
             "{cleartext}$SEED_PW" "{clear}$SEED_PW" "{ClearText}$SEED_PW")
for v in "${seed_values[@]}"; do
    expect_verify 0 "seed: '$v' matches '$SEED_PW'" "$v" "$SEED_PW"
    expect_verify 1 "seed: '$v' does not match 's3cr3t'" "$v" 's3cr3t'
done
expect_verify 2 "seed: {abc}def is an unknown scheme (exit 2, says so)" '{abc}def' '{abc}def' 'unknown scheme'
expect_verify 2 "seed: {abc}def with another password is still exit 2" '{abc}def' 'def' 'unknown scheme'
expect_verify 0 "seed: '{abc' (no closing brace) is plaintext" '{abc' '{abc'
expect_verify 1 "seed: '{abc' does not match 'abc'" '{abc' 'abc'
expect_verify 0 "seed: '{plain}{abc}def' matches '{abc}def'" '{plain}{abc}def' '{abc}def'
expect_verify 1 "seed: '{plain}{abc}def' does not match 'def'" '{plain}{abc}def' 'def'
expect_verify 0 "parse: 'abc}def' (no leading brace) is plaintext" 'abc}def' 'abc}def'
expect_verify 0 "parse: ' {plain}x' (leading space) is plaintext" ' {plain}x' ' {plain}x'
expect_verify 1 "parse: '{plain}s3cr3t!' does not match the whole stored string" "{plain}$SEED_PW" "{plain}$SEED_PW"
expect_verify 1 "parse: an md5 value does not match itself as password" "{md5}$SEED_MD5" "$SEED_MD5"
expect_verify 2 "parse: '{}x' names an empty (unknown) scheme" '{}x' 'x'
expect_verify 0 "parse: plaintext with UTF-8 and specials" "{plain}$PW_B" "$PW_B"
expect_verify 1 "parse: plaintext password is not trimmed (trailing space)" "{plain}$PW_A " "$PW_A"

# ----------------------------------------------------------------------------
# 2. Independent implementations -> pptool verify
# ----------------------------------------------------------------------------
for pi in 0 1; do
    pw=${PWS[$pi]}
    tag="pw$((pi + 1))"

    # openssl passwd: MD5-crypt, SHA-256-crypt, SHA-512-crypt (random salts, random rounds)
    s=$(rand_chars 8)
    v=$(openssl passwd -1 -salt "$s" "$pw")
    for sch in md5 crypt md5-crypt CRYPT; do verify_triple "$tag openssl -1 under {$sch}" "{$sch}$v" "$pw"; done
    s=$(rand_chars 16)
    v=$(openssl passwd -5 -salt "$s" "$pw")
    for sch in crypt sha256-crypt; do verify_triple "$tag openssl -5 under {$sch}" "{$sch}$v" "$pw"; done
    v=$(openssl passwd -6 -salt "$s" "$pw")
    for sch in crypt sha512-crypt; do verify_triple "$tag openssl -6 under {$sch}" "{$sch}$v" "$pw"; done
    r=$((1000 + RANDOM % 9000))
    v=$(openssl passwd -5 -salt "rounds=$r\$$(rand_chars 12)" "$pw")
    [[ $v == "\$5\$rounds=$r\$"* ]] || v=""   # openssl must honour rounds=
    for sch in crypt sha256-crypt; do verify_triple "$tag openssl -5 rounds=$r under {$sch}" "{$sch}$v" "$pw"; done
    v=$(openssl passwd -6 -salt "rounds=$r\$$(rand_chars 12)" "$pw")
    [[ $v == "\$6\$rounds=$r\$"* ]] || v=""
    for sch in crypt sha512-crypt; do verify_triple "$tag openssl -6 rounds=$r under {$sch}" "{$sch}$v" "$pw"; done

    # hashlib: unsalted digests, base64 and hex, bare and with suffixes
    for alg in sha1 sha256 sha512; do
        b64=$(hp digest "$alg" b64 "$pw")
        hex=$(hp digest "$alg" hex "$pw")
        names=("$alg" "${alg^^}")
        [[ $alg == sha1 ]] && names+=(sha SHA)
        for nm in "${names[@]}"; do
            verify_triple "$tag hashlib $alg base64 under {$nm}" "{$nm}$b64" "$pw"
            verify_triple "$tag hashlib $alg hex under {$nm}" "{$nm}$hex" "$pw"
        done
        verify_triple "$tag hashlib $alg base64 under {$alg.b64}" "{$alg.b64}$b64" "$pw"
        verify_triple "$tag hashlib $alg base64 under {$alg.base64}" "{$alg.base64}$b64" "$pw"
        verify_triple "$tag hashlib $alg hex under {$alg.hex}" "{$alg.hex}$hex" "$pw"
        [[ $alg == sha1 ]] && verify_triple "$tag hashlib sha1 hex under {sha.hex}" "{sha.hex}$hex" "$pw"
    done

    # hashlib: salted forms with os.urandom salts
    for spec in "ssha sha1 4" "ssha sha1 16" "SSHA sha1 8" "ssha.b64 sha1 8" \
                "ssha256 sha256 8" "ssha256 sha256 16" "ssha512 sha512 8" "ssha512 sha512 16"; do
        read -r nm alg sl <<<"$spec"
        v=$(hp salted "$alg" "$pw" "$sl")
        verify_triple "$tag hashlib salted $alg ($sl-byte salt) under {$nm}" "{$nm}$v" "$pw"
    done

    # python crypt (libxcrypt): DES, bcrypt $2b$/$2a$/$2y$, yescrypt
    v=$(hp crypt "$(hp mksalt CRYPT)" "$pw")
    for sch in crypt des-crypt; do verify_triple "$tag python crypt DES under {$sch}" "{$sch}$v" "$pw" des; done
    bs=$(hp mksalt BLOWFISH 16)   # cost 4
    for id in 2b 2a 2y; do
        v=$(hp crypt "\$$id\$${bs#\$2b\$}" "$pw")
        for sch in crypt blf-crypt; do verify_triple "$tag python crypt bcrypt \$$id\$ under {$sch}" "{$sch}$v" "$pw"; done
    done
    v=$(hp crypt "$(hp gensalt '$y$' 0)" "$pw")
    verify_triple "$tag python crypt yescrypt (crypt_gensalt) under {crypt}" "{crypt}$v" "$pw"
    v=$(hp crypt "$(hp mksalt SHA512 5000)" "$pw")
    verify_triple "$tag python crypt SHA-512 rounds=5000 under {crypt}" "{crypt}$v" "$pw"

    # argon2 reference CLI, random printable salt and parameters
    for typ in id i; do
        salt=$(rand_chars 16)
        m=$((1024 * (1 + RANDOM % 8))); t=$((1 + RANDOM % 3)); p=$((1 + RANDOM % 2))
        v=$(printf %s "$pw" | argon2 "$salt" "-$typ" -e -k "$m" -t "$t" -p "$p")
        for sch in "argon2$typ" "ARGON2${typ^^}" ARGON2 argon2 Argon2; do
            verify_triple "$tag argon2 CLI -$typ m=$m,t=$t,p=$p under {$sch}" "{$sch}$v" "$pw"
        done
    done
    v=$(printf %s "$pw" | argon2 "$(rand_chars 16)" -d -e -k 1024 -t 1 -p 1)
    [[ $v == '$argon2d$'* ]] || v='(argon2 -d failed)'
    for sch in ARGON2 argon2id; do
        expect_verify 2 "$tag argon2 CLI -d under {$sch}: malformed, not verified" "{$sch}$v" "$pw" 'malformed'
    done

    # passlib: its LDAP forms (uppercase prefixes included) and pure-Python crypt backends
    for spec in "ldap_salted_sha1" "ldap_salted_sha256" "ldap_salted_sha512" "ldap_sha1" "ldap_hex_sha1" \
                "ldap_md5_crypt" "ldap_des_crypt"; do
        v=$(hp passlib "$spec" "$pw")
        kind=""; [[ $spec == ldap_des_crypt ]] && kind=des
        verify_triple "$tag passlib $spec (${v%%\}*}})" "$v" "$pw" $kind
    done
    v=$(hp passlib md5_crypt "$pw")
    verify_triple "$tag passlib builtin md5_crypt under {md5}" "{md5}$v" "$pw"
    v=$(hp passlib sha256_crypt "$pw" rounds=$r)
    verify_triple "$tag passlib builtin sha256_crypt rounds=$r under {sha256-crypt}" "{sha256-crypt}$v" "$pw"
    v=$(hp passlib sha512_crypt "$pw" rounds=5000)
    verify_triple "$tag passlib builtin sha512_crypt rounds=5000 under {sha512-crypt}" "{sha512-crypt}$v" "$pw"
    v=$(hp passlib des_crypt "$pw")
    verify_triple "$tag passlib builtin des_crypt under {des-crypt}" "{des-crypt}$v" "$pw" des
    v=$(hp passlib bcrypt "$pw" rounds=4 ident=2y)
    verify_triple "$tag passlib builtin bcrypt \$2y\$ under {blf-crypt}" "{blf-crypt}$v" "$pw"
done

# ----------------------------------------------------------------------------
# 3. pptool -> independent implementations
# ----------------------------------------------------------------------------
for pw in "${PWS[@]}"; do
    tag=pw1; [[ $pw == "$PW_B" ]] && tag=pw2

    # MD5-crypt: pptool md5 / pptool hash md5 reproduced by openssl passwd -1
    for how in "md5" "hash md5" "hash md5-crypt" "hash MD5"; do
        read -r -a cmd <<<"$how"
        run_pp '<none>' "$T_NORMAL" "${cmd[@]}" "$pw"
        if [[ $rc -eq 0 && $out =~ ^\{md5\}\$1\$([./0-9A-Za-z]{1,8})\$[./0-9A-Za-z]{22}$ ]]; then
            want="{md5}$(openssl passwd -1 -salt "${BASH_REMATCH[1]}" "$pw")"
            if [[ $out == "$want" ]]; then ok "$tag pptool $how equals openssl passwd -1 with its salt"
            else not_ok_diag "$tag pptool $how equals openssl passwd -1 with its salt" "pptool:  $out" "openssl: $want"; fi
        else
            not_ok_diag "$tag pptool $how prints {md5}\$1\$salt\$hash" "exit $rc, out: $out" "stderr: $err"
        fi
    done

    # SHA-crypt reproduced by openssl passwd -5/-6 (rounds= carried over)
    for spec in "sha256-crypt 5 43" "sha512-crypt 6 86"; do
        read -r nm id len <<<"$spec"
        run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
        re="^\{$nm\}\\\$$id\\\$((rounds=[0-9]+\\\$)?[./0-9A-Za-z]{1,16})\\\$[./0-9A-Za-z]{$len}\$"
        if [[ $rc -eq 0 && $out =~ $re ]]; then
            want="{$nm}$(openssl passwd "-$id" -salt "${BASH_REMATCH[1]}" "$pw")"
            if [[ $out == "$want" ]]; then ok "$tag pptool hash $nm equals openssl passwd -$id with its salt"
            else not_ok_diag "$tag pptool hash $nm equals openssl passwd -$id with its salt" "pptool:  $out" "openssl: $want"; fi
        else
            not_ok_diag "$tag pptool hash $nm prints {$nm}\$$id\$...\$hash" "exit $rc, out: $out" "stderr: $err"
        fi
        # and the pure-Python passlib implementation agrees
        check "$tag pptool hash $nm verified by passlib builtin" hp passlib_verify "${nm/-/_}" "$pw" "${out#\{$nm\}}"
    done

    # pptool sha1 = base64(SHA-1) computed by hashlib
    want="{sha1}$(hp digest sha1 b64 "$pw")"
    run_pp '<none>' "$T_NORMAL" sha1 "$pw"
    if [[ $rc -eq 0 && $out == "$want" ]]; then ok "$tag pptool sha1 equals hashlib base64 SHA-1"
    else not_ok_diag "$tag pptool sha1 equals hashlib base64 SHA-1" "exit $rc, pptool: $out" "want:   $want" "stderr: $err"; fi

    # pptool hash sha1/sha256/sha512 = hashlib digest (base64 or hex)
    for alg in sha1 sha256 sha512; do
        run_pp '<none>' "$T_NORMAL" hash "$alg" "$pw"
        if [[ $rc -eq 0 && $out == "{$alg}"* ]]; then
            check "$tag pptool hash $alg equals hashlib $alg" hp digest_match "$alg" "$pw" "${out#\{$alg\}}"
        else
            not_ok_diag "$tag pptool hash $alg prints {$alg}..." "exit $rc, out: $out" "stderr: $err"
        fi
    done

    # pptool hash ssha*: decode, recompute with the embedded salt
    for spec in "ssha sha1" "ssha256 sha256" "ssha512 sha512"; do
        read -r nm alg <<<"$spec"
        run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
        if [[ $rc -eq 0 && $out == "{$nm}"* ]]; then
            check "$tag pptool hash $nm recomputed by hashlib with its salt" hp salted_check "$alg" "$pw" "${out#\{$nm\}}"
        else
            not_ok_diag "$tag pptool hash $nm prints {$nm}..." "exit $rc, out: $out" "stderr: $err"
        fi
    done

    # pptool crypt --method X, checked by libxcrypt through python's crypt module;
    # where passlib has a pure-Python implementation it checks too.  yescrypt has
    # no implementation on Debian 12 other than libxcrypt itself.
    for spec in "des ^[./0-9A-Za-z]{13}$ des_crypt" \
                "md5 ^\\\$1\\\$ md5_crypt" \
                "sha256 ^\\\$5\\\$ sha256_crypt" \
                "sha512 ^\\\$6\\\$ sha512_crypt" \
                "bcrypt ^\\\$2[aby]\\\$[0-9]{2}\\\$[./0-9A-Za-z]{53}$ -" \
                "yescrypt ^\\\$y\\\$ -" \
                "default ^\\\$y\\\$ -"; do
        read -r meth re plh <<<"$spec"
        if [[ $meth == default ]]; then run_pp '<none>' "$T_NORMAL" crypt "$pw"
        else run_pp '<none>' "$T_NORMAL" crypt --method "$meth" "$pw"; fi
        val=${out#\{crypt\}}
        if [[ $rc -eq 0 && $out == "{crypt}"* && $val =~ $re ]]; then
            check "$tag pptool crypt --method $meth verified by python crypt" hp crypt_check "$pw" "$val"
            [[ $plh != - ]] && check "$tag pptool crypt --method $meth verified by passlib builtin $plh" \
                hp passlib_verify "$plh" "$pw" "$val"
        else
            not_ok_diag "$tag pptool crypt --method $meth prints {crypt} matching /$re/" "exit $rc, out: $out" "stderr: $err"
        fi
    done

    # pptool hash for the other crypt-family schemes, checked by python crypt
    for spec in "crypt ^." "des-crypt ^[./0-9A-Za-z]{13}$" "blf-crypt ^\\\$2[aby]\\\$" "md5 ^\\\$1\\\$"; do
        read -r nm re <<<"$spec"
        run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
        val=${out#\{$nm\}}
        if [[ $rc -eq 0 && $out == "{$nm}"* && $val =~ $re ]]; then
            check "$tag pptool hash $nm verified by python crypt" hp crypt_check "$pw" "$val"
        else
            not_ok_diag "$tag pptool hash $nm prints {$nm} matching /$re/" "exit $rc, out: $out" "stderr: $err"
        fi
    done

    # argon2: recompute with the argon2 CLI using the decoded salt and parameters.
    # argv cannot carry a NUL byte, so draw fresh values until the salt has none
    # (each random 16-byte salt has one with probability ~6%).
    for spec in "argon2id id" "argon2i i" "argon2 id"; do
        read -r nm typ <<<"$spec"
        tries=0
        while :; do
            run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
            tries=$((tries + 1))
            [[ $rc -eq 0 && $out == "{$nm}"* ]] || break
            hp argon2_salt_ok "${out#\{$nm\}}" 2>/dev/null && break
            [[ $tries -ge 10 ]] && break
        done
        if [[ $rc -eq 0 && $out == "{$nm}\$argon2$typ\$v=19\$m="* ]]; then
            check "$tag pptool hash $nm equals the argon2 CLI's encoding with its salt" hp argon2_check "$pw" "${out#\{$nm\}}"
        else
            not_ok_diag "$tag pptool hash $nm prints {$nm}\$argon2$typ\$v=19\$m=..." "exit $rc, out: $out" "stderr: $err"
        fi
    done
done

# canonical lowercase names in hash output
for spec in "SHA sha1" "sha sha1" "MD5-CRYPT md5" "Ssha256 ssha256" "ARGON2ID argon2id" "ARGON2 argon2"; do
    read -r given canon <<<"$spec"
    run_pp '<none>' "$T_NORMAL" hash "$given" "$PW_A"
    if [[ $rc -eq 0 && $out == "{$canon}"* ]]; then ok "pptool hash $given prints the canonical {$canon}"
    else not_ok_diag "pptool hash $given prints the canonical {$canon}" "exit $rc, out: $out" "stderr: $err"; fi
done

# ----------------------------------------------------------------------------
# 4. Round trip for every scheme `pptool schemes` says can hash
# ----------------------------------------------------------------------------
run_pp '<none>' "$T_NORMAL" schemes
schemes_out=$out
if [[ $rc -eq 0 ]]; then ok "pptool schemes exits 0"; else not_ok_diag "pptool schemes exits 0" "exit $rc" "$err"; fi
parsed=$(hp schemes <<<"$schemes_out")
if [[ $? -eq 0 && -n $parsed ]]; then ok "pptool schemes: every line is NAME ALIASES yes|no DESCRIPTION"
else not_ok_diag "pptool schemes: every line is NAME ALIASES yes|no DESCRIPTION" "$schemes_out"; fi

declare -A CAN=() ALIASES=()
while read -r nm can al; do
    [[ $nm == '?' || -z $nm ]] && continue
    CAN[$nm]=$can; ALIASES[$nm]=" $al "
done <<<"$parsed"

for nm in plain crypt md5 sha1 ssha sha256 ssha256 sha512 ssha512 sha256-crypt sha512-crypt \
          blf-crypt des-crypt argon2 argon2i argon2id; do
    if [[ -n ${CAN[$nm]:-} ]]; then ok "pptool schemes lists $nm"; else not_ok_diag "pptool schemes lists $nm" "$schemes_out"; fi
done
for spec in "plain cleartext" "plain clear" "md5 md5-crypt" "sha1 sha"; do
    read -r nm al <<<"$spec"
    if [[ ${ALIASES[$nm]:-} == *" $al "* ]]; then ok "pptool schemes lists $al as an alias of $nm"
    else not_ok_diag "pptool schemes lists $al as an alias of $nm" "$schemes_out"; fi
done
# the schemes that have their own command or that section 3 hashes must be hashable
for nm in crypt md5 sha1 ssha ssha256 ssha512 sha256-crypt sha512-crypt argon2 argon2i argon2id; do
    if [[ ${CAN[$nm]:-} == yes ]]; then ok "pptool schemes says $nm can hash"
    else not_ok_diag "pptool schemes says $nm can hash" "$schemes_out"; fi
done

UNSALTED=" plain sha1 sha256 sha512 plain-md5 ldap-md5 plain-md4 ntlm cram-md5 hmac-md5 plain-trunc lanman rpa "
pw=$PW_B
for nm in "${!CAN[@]}"; do
    if [[ ${CAN[$nm]} != yes ]]; then
        run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
        if [[ $rc -ne 0 ]]; then ok "round trip: pptool hash $nm refuses (schemes says it cannot hash)"
        else not_ok_diag "round trip: pptool hash $nm refuses (schemes says it cannot hash)" "out: $out"; fi
        continue
    fi
    run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
    h1=$out; rc1=$rc
    run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
    h2=$out
    if [[ $rc1 -eq 0 && $h1 == "{$nm}"?* && $h1 != *$'\n'* ]]; then
        ok "round trip $nm: pptool hash prints one {$nm} line"
    else
        not_ok_diag "round trip $nm: pptool hash prints one {$nm} line" "exit $rc1, out: $h1"
        continue
    fi
    kind=""
    [[ $nm == des-crypt || ${#h1} -eq $((${#nm} + 2 + 13)) && $nm == crypt ]] && kind=des
    # LAN Manager reads 14 bytes, as DES crypt reads 8: dropping one past them changes nothing.
    [[ $nm == lanman ]] && kind=des
    verify_triple "round trip $nm" "$h1" "$pw" $kind
    if [[ $UNSALTED == *" $nm "* ]]; then
        if [[ $h1 == "$h2" ]]; then ok "round trip $nm: unsalted, two hashes are equal"
        else not_ok_diag "round trip $nm: unsalted, two hashes are equal" "$h1" "$h2"; fi
    else
        if [[ -n $h2 && $h1 != "$h2" ]]; then ok "round trip $nm: salted, two hashes differ"
        else not_ok_diag "round trip $nm: salted, two hashes differ" "$h1" "$h2"; fi
    fi
done
[[ ${CAN[plain]:-} == yes ]] && {
    run_pp '<none>' "$T_NORMAL" hash plain "$PW_B"
    if [[ $out == "{plain}$PW_B" ]]; then ok "pptool hash plain prints {plain}PASSWORD"
    else not_ok_diag "pptool hash plain prints {plain}PASSWORD" "out: $out"; fi
}

# ----------------------------------------------------------------------------
# 5. Malformed values and refusals
# ----------------------------------------------------------------------------
# expect_malformed DESC STORED: exit 2, says "malformed", within T_FAST seconds.
# The password given is the right one where there is one, so a match is caught.
expect_malformed() { expect_verify 2 "malformed: $1" "$2" "${3:-$PW_A}" 'malformed' "$T_FAST"; }

pw=$PW_A
for sch in md5 crypt sha1 ssha sha256 ssha256 sha512 ssha512 sha256-crypt sha512-crypt blf-crypt \
           des-crypt argon2 argon2i argon2id md5-crypt sha; do
    expect_malformed "{$sch} with an empty value" "{$sch}"
done
apr=$(openssl passwd -apr1 -salt "$(rand_chars 8)" "$pw")
[[ $apr == '$apr1$'* ]] || apr='(openssl passwd -apr1 failed)'
expect_malformed "{md5}\$apr1\$ (Apache's MD5 is not MD5-crypt)" "{md5}$apr"
s5=$(openssl passwd -5 -salt "$(rand_chars 16)" "$pw")
s6=$(openssl passwd -6 -salt "$(rand_chars 16)" "$pw")
m1=$(openssl passwd -1 -salt "$(rand_chars 8)" "$pw")
des=$(hp crypt "$(hp mksalt CRYPT)" "$pw")
bf=$(hp crypt "$(hp mksalt BLOWFISH 16)" "$pw")
expect_malformed "{md5}\$5\$ (md5 must start \$1\$)" "{md5}$s5"
expect_malformed "{md5} with a DES value" "{md5}$des"
expect_malformed "{sha256-crypt} with a \$6\$ value" "{sha256-crypt}$s6"
expect_malformed "{sha512-crypt} with a \$5\$ value" "{sha512-crypt}$s5"
expect_malformed "{blf-crypt} with a \$1\$ value" "{blf-crypt}$m1"
expect_malformed "{des-crypt} with a \$1\$ value" "{des-crypt}$m1"

# Truncated values of each scheme: cut in half, and (fixed-length encodings)
# with the last character dropped.
a2id=$(printf %s "$pw" | argon2 "$(rand_chars 16)" -id -e -k 1024 -t 1 -p 1)
a2i=$(printf %s "$pw" | argon2 "$(rand_chars 16)" -i -e -k 1024 -t 1 -p 1)
declare -a TR_NAME=() TR_VAL=() TR_FIXED=()
addtr() { TR_NAME+=("$1"); TR_VAL+=("$2"); TR_FIXED+=("$3"); }
addtr md5 "$m1" 1;           addtr crypt "$m1" 1
addtr sha256-crypt "$s5" 1;  addtr crypt "$s5" 1
addtr sha512-crypt "$s6" 1;  addtr crypt "$s6" 1
addtr blf-crypt "$bf" 1;     addtr crypt "$bf" 1
addtr des-crypt "$des" 1;    addtr crypt "$des" 1
for alg in sha1 sha256 sha512; do
    addtr "$alg" "$(hp digest "$alg" b64 "$pw")" 1
    addtr "$alg" "$(hp digest "$alg" hex "$pw")" 1
    addtr "s${alg%1}" "$(hp salted "$alg" "$pw" 8)" 0
done
addtr argon2id "$a2id" 0;    addtr argon2i "$a2i" 0
addtr argon2 "$a2id" 0;      addtr argon2 "$a2i" 0
for i in "${!TR_NAME[@]}"; do
    nm=${TR_NAME[$i]}; v=${TR_VAL[$i]}
    sch=$nm
    # the untruncated value must be fine, or the truncation checks prove nothing
    expect_verify 0 "truncation base {$sch}${v:0:12}... matches" "{$sch}$v" "$pw"
    expect_malformed "{$sch} value cut to half its length (${#v} -> $((${#v} / 2)))" "{$sch}${v:0:$((${#v} / 2))}"
    [[ ${TR_FIXED[$i]} == 1 ]] && expect_malformed "{$sch} value with its last character dropped" "{$sch}${v%?}"
done
expect_malformed "{argon2id} with its hash field removed" "{argon2id}${a2id%\$*}"
expect_malformed "{ssha} whose decoded length is shorter than a SHA-1 digest" "{ssha}$(hp salted_bytes sha1 15)"
expect_malformed "{ssha512} whose decoded length is shorter than a SHA-512 digest" "{ssha512}$(hp salted_bytes sha512 48)"

sha1b64=$(hp digest sha1 b64 "$pw")
expect_malformed "{sha1} with 27 characters" "{sha1}${sha1b64:0:27}"
expect_malformed "{sha1} with 29 characters" "{sha1}${sha1b64}A"
expect_malformed "{sha1} hex with 39 characters" "{sha1}$(hp digest sha1 hex "$pw" | cut -c1-39)"
expect_malformed "{sha1} 28 characters that are not base64" "{sha1}!!!!${sha1b64:4}"
expect_malformed "{sha1} 40 characters that are not hex" "{sha1}$(hp digest sha1 hex "$pw" | tr 'a' 'g' | sed 's/^./z/')"
expect_malformed "{sha256} holding a SHA-1 sized value" "{sha256}$sha1b64"

# Cost caps: refused as malformed without computing (hence within T_FAST).
bf_tail=${bf#\$2b\$04\$}   # 53 characters: salt and hash
for sch in crypt blf-crypt; do
    expect_malformed "{$sch} bcrypt cost 31" "{$sch}\$2b\$31\$$bf_tail"
    expect_malformed "{$sch} bcrypt cost 15 (cap is 14)" "{$sch}\$2b\$15\$$bf_tail"
    expect_malformed "{$sch} \$2y\$ bcrypt cost 20" "{$sch}\$2y\$20\$$bf_tail"
done
s6salt=${s6#\$6\$}; s6salt=${s6salt%%\$*}; s6hash=${s6##*\$}
s5salt=${s5#\$5\$}; s5salt=${s5salt%%\$*}; s5hash=${s5##*\$}
for sch in crypt sha512-crypt; do
    expect_malformed "{$sch} \$6\$rounds=999999999" "{$sch}\$6\$rounds=999999999\$$s6salt\$$s6hash"
    expect_malformed "{$sch} \$6\$rounds=1000001 (cap is 1000000)" "{$sch}\$6\$rounds=1000001\$$s6salt\$$s6hash"
done
for sch in crypt sha256-crypt; do
    expect_malformed "{$sch} \$5\$rounds=999999999" "{$sch}\$5\$rounds=999999999\$$s5salt\$$s5hash"
done
a2rest=${a2id#\$argon2id\$v=19\$m=1024,t=1,p=1\$}   # salt$hash
for spec in "m=4194304,t=1,p=1" "m=262145,t=1,p=1" "m=1024,t=17,p=1" "m=1024,t=1,p=17" "m=4294967295,t=1,p=1"; do
    for sch in argon2id ARGON2; do
        expect_malformed "{$sch} $spec" "{$sch}\$argon2id\$v=19\$$spec\$$a2rest"
    done
done
a2irest=${a2i#\$argon2i\$v=19\$m=1024,t=1,p=1\$}
expect_malformed "{argon2i} m=4194304" "{argon2i}\$argon2i\$v=19\$m=4194304,t=1,p=1\$$a2irest"
expect_malformed "{ARGON2} \$argon2i\$ m=4194304" "{ARGON2}\$argon2i\$v=19\$m=4194304,t=1,p=1\$$a2irest"

# At the caps the value is well formed: computed, and a wrong hash is a mismatch (1).
expect_verify 1 "cap boundary: bcrypt cost 14 is computed (mismatch, not malformed)" "{blf-crypt}\$2b\$14\$$bf_tail" "$pw"
expect_verify 1 "cap boundary: sha512-crypt rounds=1000000 is computed (mismatch)" \
    "{sha512-crypt}\$6\$rounds=1000000\$$s6salt\$$s6hash" "$pw"
expect_verify 1 "cap boundary: argon2id m=262144,t=1,p=1 is computed (mismatch)" \
    "{argon2id}\$argon2id\$v=19\$m=262144,t=1,p=1\$$a2rest" "$pw"
expect_verify 1 "cap boundary: argon2id t=16 is computed (mismatch)" "{argon2id}\$argon2id\$v=19\$m=1024,t=16,p=1\$$a2rest" "$pw"
expect_verify 1 "cap boundary: argon2id p=16 is computed (mismatch)" "{argon2id}\$argon2id\$v=19\$m=1024,t=1,p=16\$$a2rest" "$pw"
# and a real value at a cap verifies (argon2 CLI at p=16, t=16)
v=$(printf %s "$pw" | argon2 "$(rand_chars 16)" -id -e -k 1024 -t 16 -p 16)
verify_triple "cap boundary: argon2 CLI t=16,p=16" "{argon2id}$v" "$pw"
verify_triple "cap boundary: argon2 CLI t=16,p=16 under {ARGON2}" "{ARGON2}$v" "$pw"

# Locked / disabled crypt values never match, not even the "obvious" password.
lock6=$(openssl passwd -6 -salt "$(rand_chars 16)" "$pw")
for spec in "* *" "! !" "!! !!" "*0 *0" "*1 *1" "*LK* *LK*"; do
    read -r st p <<<"$spec"
    expect_verify '1|2' "locked: {crypt}$st never matches '$p'" "{crypt}$st" "$p"
done
expect_verify '1|2' "locked: {crypt}!\$6\$... never matches its password" "{crypt}!$lock6" "$pw"
expect_verify '1|2' "locked: {sha512-crypt}!\$6\$... never matches its password" "{sha512-crypt}!$lock6" "$pw"
expect_verify '1|2' "locked: {crypt}*\$6\$... never matches its password" "{crypt}*$lock6" "$pw"

# Empty stored values and empty passwords never match.
expect_verify '1|2' "empty: empty stored value, empty password" '' ''
expect_verify '1|2' "empty: empty stored value, password x" '' 'x'
# No password to read at all is a usage error, not a verdict.
expect_verify '64' "empty: empty stored value, no input at all" '' '<none>'
expect_verify '1|2' "empty: {plain} with an empty password" '{plain}' ''
expect_verify '1|2' "empty: {crypt} (empty) with an empty password" '{crypt}' ''
expect_verify '64' "empty: {plain}x with no input at all" '{plain}x' '<none>'
expect_verify '1|2' "empty: openssl MD5-crypt of '' with an empty password" \
    "{md5}$(openssl passwd -1 -salt "$(rand_chars 8)" '')" ''
expect_verify '1|2' "empty: openssl SHA-512-crypt of '' under {crypt} with an empty password" \
    "{crypt}$(openssl passwd -6 -salt "$(rand_chars 16)" '')" ''
expect_verify '1|2' "empty: hashlib SHA-1 of '' with an empty password" "{sha1}$(hp digest sha1 b64 '')" ''
expect_verify '1|2' "empty: hashlib salted SHA-256 of '' with an empty password" "{ssha256}$(hp salted sha256 '' 8)" ''
expect_verify '1|2' "empty: DES crypt of '' with an empty password" "{des-crypt}$(hp crypt "$(hp mksalt CRYPT)" '')" ''

# ----------------------------------------------------------------------------
# 6. Usage
# ----------------------------------------------------------------------------
expect_exit 64 "usage: pptool verify without an argument exits 64" verify
expect_exit 64 "usage: pptool verify with two arguments exits 64" verify '{plain}a' '{plain}b'
expect_exit 64 "usage: pptool nosuchcmd exits 64" nosuchcmd
expect_exit 64 "usage: pptool hash nosuchscheme x exits 64" hash nosuchscheme x
if [[ -n $err ]]; then ok "usage: pptool hash nosuchscheme x says something on stderr"
else not_ok_diag "usage: pptool hash nosuchscheme x says something on stderr" "stderr empty"; fi
expect_exit 64 "usage: pptool crypt --method nosuch x exits 64" crypt --method nosuch x
if [[ -n $err ]]; then ok "usage: pptool crypt --method nosuch x says something on stderr"
else not_ok_diag "usage: pptool crypt --method nosuch x says something on stderr" "stderr empty"; fi
expect_exit 64 "usage: pptool hash without a scheme exits 64" hash

run_pp '<none>' "$T_NORMAL" --help
help="$out $err"
if [[ $rc -eq 0 ]]; then ok "usage: pptool --help exits 0"; else not_ok_diag "usage: pptool --help exits 0" "exit $rc"; fi
if grep -Eqi 'visible|seen|readable|exposed' <<<"$help" && grep -Eqi 'other users|other local users|users of this' <<<"$help" \
   && grep -Eqi 'command line|command-line' <<<"$help"; then
    ok "usage: pptool --help warns that a command-line password is visible to other users"
else
    not_ok_diag "usage: pptool --help warns that a command-line password is visible to other users" "$help"
fi

# Password from standard input (not a terminal): a file, then a pipe.
printf '%s\n' "$PW_B" >"$PP_TMP/pwfile"
run_pp "<file:$PP_TMP/pwfile>" "$T_NORMAL" md5
if [[ $rc -eq 0 && $out =~ ^\{md5\}\$1\$([./0-9A-Za-z]{1,8})\$ ]]; then
    ok "stdin: pptool md5 < file prints {md5}\$1\$..."
    got=$out
    want="{md5}$(openssl passwd -1 -salt "${BASH_REMATCH[1]}" "$PW_B")"
    verify_triple "stdin: pptool md5 < file round trip" "$got" "$PW_B"
    if [[ $got == "$want" ]]; then ok "stdin: pptool md5 < file equals openssl (newline not part of the password)"
    else not_ok_diag "stdin: pptool md5 < file equals openssl (newline not part of the password)" "$got" "$want"; fi
else
    not_ok_diag "stdin: pptool md5 < file prints {md5}\$1\$..." "exit $rc, out: $out" "stderr: $err"
fi
run_pp "<file:$PP_TMP/pwfile>" "$T_NORMAL" sha1
want="{sha1}$(hp digest sha1 b64 "$PW_B")"
if [[ $rc -eq 0 && $out == "$want" ]]; then ok "stdin: pptool sha1 < file equals hashlib"
else not_ok_diag "stdin: pptool sha1 < file equals hashlib" "exit $rc, out: $out" "want $want"; fi
run_pp "$PW_B" "$T_NORMAL" crypt
if [[ $rc -eq 0 && $out == '{crypt}$y$'* ]]; then
    check "stdin: echo PW | pptool crypt verified by python crypt" hp crypt_check "$PW_B" "${out#\{crypt\}}"
else
    not_ok_diag "stdin: echo PW | pptool crypt prints {crypt}\$y\$..." "exit $rc, out: $out" "stderr: $err"
fi
run_pp "$PW_B" "$T_NORMAL" hash ssha512
if [[ $rc -eq 0 && $out == '{ssha512}'* ]]; then
    check "stdin: echo PW | pptool hash ssha512 recomputed by hashlib" hp salted_check sha512 "$PW_B" "${out#\{ssha512\}}"
else
    not_ok_diag "stdin: echo PW | pptool hash ssha512 prints {ssha512}..." "exit $rc, out: $out" "stderr: $err"
fi

# ----------------------------------------------------------------------------
# 7. Dovecot's older schemes against implementations of their own: passlib's
#    MD4, NT and LM hashes, hashlib's PBKDF2 and HMAC.  (t_dovecot_schemes.sh
#    checks every scheme against Dovecot itself; 2.3.19 no longer has these
#    three, and its PBKDF2 and SCRAM are checked there too.)
# ----------------------------------------------------------------------------
for nm in ntlm lanman rpa plain-md4 pbkdf2 scram-sha-1 scram-sha-256; do
    for pw in "$PW_A" 'test' 'Secret Phrase 12'; do
        run_pp '<none>' "$T_NORMAL" hash "$nm" "$pw"
        if [[ $rc -eq 0 && $out == "{$nm}"?* ]]; then
            check "pptool hash $nm '$pw' recomputed independently" hp dovecot_check "$nm" "$pw" "${out#\{"$nm"\}}"
        else
            not_ok_diag "pptool hash $nm prints {$nm}..." "exit $rc, out: $out" "stderr: $err"
        fi
    done
done
for nm in pbkdf2 scram-sha-1 scram-sha-256; do
    v="{$nm}$(hp dovecot_make "$nm" "$PW_B")"
    run_pp "$PW_B" "$T_NORMAL" verify "$v"
    if [[ $rc -eq 0 ]]; then ok "pptool verify accepts a $nm value hashlib made"
    else not_ok_diag "pptool verify accepts a $nm value hashlib made" "exit $rc: $v" "$err"; fi
    run_pp "$PW_A" "$T_NORMAL" verify "$v"
    if [[ $rc -eq 1 ]]; then ok "pptool verify refuses a wrong password for a $nm value hashlib made"
    else not_ok_diag "pptool verify refuses a wrong password for a $nm value hashlib made" "exit $rc: $v" "$err"; fi
done

# ----------------------------------------------------------------------------
# 8. --config is opened as the module opens it: a file holding the database
#    password that others can read is refused, as is a file below a directory
#    someone else owns or may write to, or reached through a symbolic link
#    (pam_powermail.conf(5), PERMISSIONS).  pptool check stands for every
#    userbase command: they all read the file through pp_config_load.
# ----------------------------------------------------------------------------
if [[ -n ${PP_PGCTL:-} && $(id -u) -eq 0 ]]; then
    cfgdir=$PP_TMP/cfg
    mkdir -m 755 "$cfgdir"
    (umask 077 && $PP_PGCTL pamconf >"$cfgdir/pp.conf")
    # check_config MODE DESC WANT [PATH]  -- WANT: "ok" (exit 0 or 1: the
    # userbase was read) or a piece of the error pptool must print (exit 2).
    check_config() {
        local mode=$1 d=$2 want=$3 file=${4:-$cfgdir/pp.conf}
        chmod "$mode" "$cfgdir/pp.conf"
        run_pp '<none>' "$T_NORMAL" check --config "$file"
        if [[ $err == *"$PP_PGPASSWORD"* ]]; then
            not_ok_diag "$d" "the database password is in pptool's message" "$err"
        elif [[ $want == ok ]]; then
            if code_in "$rc" "0|1" && [[ $err != *configuration:* ]]; then ok "$d"
            else not_ok_diag "$d" "exit $rc, wanted 0 or 1" "stderr: $err"; fi
        elif [[ $rc -eq 2 && $err == *"pptool: configuration: "*"$want"* ]]; then
            ok "$d"
        else
            not_ok_diag "$d" "exit $rc, wanted 2 and '$want'" "stderr: $err"
        fi
    }
    check_config 600 "pptool --config: a 0600 file with the password is read" ok
    check_config 640 "pptool --config: a 0640 file (the reader's group) is read" ok
    check_config 644 "pptool --config: a 0644 file with the password is refused" \
        "$cfgdir/pp.conf: readable by others, and it holds the database password (postgresql-password)"
    check_config 604 "pptool --config: a 0604 file with the password is refused" "readable by others"
    cd "$cfgdir" || exit 1
    check_config 600 "pptool --config: a relative name is checked the same" ok pp.conf
    cd - >/dev/null || exit 1
    chmod 775 "$cfgdir"
    check_config 600 "pptool --config: a group-writable directory above the file is refused" \
        "$cfgdir: a directory above the configuration writable by group or others"
    chmod 755 "$cfgdir"
    chown nobody "$cfgdir"
    check_config 600 "pptool --config: a directory above the file owned by nobody is refused" \
        "$cfgdir: a directory above the configuration owned by uid $(id -u nobody)"
    ln -s "$cfgdir" "$PP_TMP/link"
    check_config 600 "pptool --config: a symlinked directory owned by nobody is refused" \
        "$PP_TMP/link: a symbolic link" "$PP_TMP/link/pp.conf"
    chown root "$cfgdir"
    check_config 600 "pptool --config: a symlinked directory owned by root is refused too" \
        "$PP_TMP/link: a symbolic link" "$PP_TMP/link/pp.conf"
    chown nobody "$cfgdir/pp.conf"
    check_config 600 "pptool --config: a file owned by nobody is refused" "must be owned by root"
    chown root "$cfgdir/pp.conf"
    mkdir -m 1777 "$PP_TMP/sticky"
    cp -p "$cfgdir/pp.conf" "$PP_TMP/sticky/pp.conf"
    check_config 600 "pptool --config: a file in a root-owned sticky directory (/tmp) is read" \
        ok "$PP_TMP/sticky/pp.conf"
else
    echo "# --config checks skipped: they need the harness's cluster (PP_PGCTL) and root"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
