#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/run.sh BUILD SECONDS TARGET... -- run each libFuzzer target
# BUILD/TARGET for SECONDS seconds (make fuzz calls this).
#
# Each target starts from a scratch copy of tests/fuzz/corpus/TARGET/ (the
# repository's corpus is never written) with the dictionary below, in its
# own scratch TMPDIR.  Prints one summary line per target and exits non-zero
# if any target reported a crash, a leak, a timeout, running out of memory,
# a sanitizer report or a broken invariant.  The input that did it is kept in
# BUILD/artifacts/TARGET/, the whole log in BUILD/logs/TARGET.log; run
# "BUILD/TARGET FILE" to replay one input.
#
# FUZZ_KEEP_GOING=1 (make fuzz FUZZ_KEEP_GOING=1): run in libFuzzer's fork
# mode and carry on after a failure, keeping every failing input, so one run
# shows all there is to find and how far coverage gets meanwhile.  It still
# exits non-zero if anything failed.
set -uo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 BUILD SECONDS TARGET..." >&2
    exit 64
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
seconds=$2
shift 2

# Under /tmp, not the checkout: the configuration target loads files from
# it, and the module refuses a file below a directory others may write to
# (lib/safe_path.c), which a checkout's parents can be.
scratch=$(mktemp -d /tmp/pp-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build/logs" "$build/artifacts"

# Words the mutator may splice in: what the code compares against and what
# libxcrypt and libargon2 (not instrumented, so invisible to the fuzzer's
# comparison tracing) look for.
# (Single quotes: the '$' in these words are literal.)
# shellcheck disable=SC2016
dictionary() {
    case $1 in
    fuzz_scheme)
        for w in '{' '}' '.hex' '.b64' '.base64' plain cleartext clear crypt md5 md5-crypt \
            des-crypt sha256-crypt sha512-crypt blf-crypt sha1 sha ssha sha256 ssha256 \
            sha512 ssha512 argon2 argon2i argon2id '$1$' '$2a$' '$2b$' '$2y$' '$5$' '$6$' \
            'rounds=' '$y$' '$gy$' '$7$' '$md5' ',rounds=' '$sha1$' '$3$' '_' \
            '$argon2i$' '$argon2id$' '$argon2d$' 'v=19' 'v=16' '$m=' ',t=' ',p=' '=' '==' \
            '\x00'; do
            printf '"%s"\n' "$w"
        done
        ;;
    fuzz_name)
        for w in '@' '-' '+' '\xc2\xa0' '\xc2\x85' '\xe2\x80\xa8' '\xf0\x9f\x98\x80' \
            '\xed\xa0\x80' '\xef\xbf\xbd' '\xf4\x8f\xbf\xbf'; do
            printf '"%s"\n' "$w"
        done
        ;;
    fuzz_config)
        for w in postgresql-database postgresql-host postgresql-port postgresql-user \
            postgresql-password postgresql-query postgresql-conninfo default-domain \
            connect-timeout query-timeout lowercase debug persistent equalize-timing config= \
            postgresql-sslmode postgresql-sslrootcert postgresql-sslcert postgresql-sslkey \
            postgresql-passfile weak-schemes allow refuse verify-full verify-ca require disable 'password=' 'service=' \
            'postgresql://' '@' \
            use_first_pass \
            try_first_pass use_authtok ' = ' '=' '#' ' #' '\x0a' '\x0d\x0a' '\x00' \
            "'%s'" '%s' '$1' '$2' yes no true false on off; do
            printf '"%s"\n' "${w//\"/\\\"}"
        done
        ;;
    fuzz_escape)
        for w in '\\' '\x1b' '\x7f' '\xc2\x9b' '\xe2\x80\xae' '\xe2\x81\xa6' '\xe2\x80\xa8' \
            '\xd8\x9c' '\xc3\xa9' '\xf0\x9f\x93\xa7' '{' '}' '$' '*' '!' '%' '_' ' ' '&'; do
            printf '"%s"\n' "$w"
        done
        ;;
    esac
}

# Longer inputs than libFuzzer's default 4096 bytes where the limits are
# beyond it: PP_MAX_PASSWORD (4096), PP_CONFIG_MAX_LINE (4096).
max_len() {
    case $1 in
    fuzz_scheme) echo 5000 ;;
    fuzz_config) echo 8192 ;;
    *) echo 4096 ;;
    esac
}

# The symbolizer of the clang that built the targets (llvm-14 on Debian 12,
# llvm-19 on Debian 13), found through clang itself.
symbolizer=$(command -v llvm-symbolizer || clang -print-prog-name=llvm-symbolizer)
failed=()
summary=()
for target in "$@"; do
    work=$scratch/$target
    log=$build/logs/$target.log
    artifacts=$build/artifacts/$target
    mkdir -p "$work/corpus" "$work/tmp"
    rm -rf "$artifacts"
    mkdir -p "$artifacts"
    keep_going=()
    if [[ ${FUZZ_KEEP_GOING:-} == 1 ]]; then
        keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    fi
    if [[ -d $top/tests/fuzz/corpus/$target ]]; then
        cp -R "$top/tests/fuzz/corpus/$target/." "$work/corpus/"
    fi
    # Inputs that once found a bug run first, as seeds: a regression fails
    # the run before any fuzzing starts.
    for found in "$top"/tests/fuzz/crashes/"$target"-*; do
        [[ -f $found ]] && cp "$found" "$work/corpus/"
    done
    dictionary "$target" >"$work/dict"
    seeds=$(find "$work/corpus" -type f | wc -l)

    echo "fuzz: $target for ${seconds}s ($seeds seeds; log $log)"
    # A timeout is an input running over 30 s (the harnesses keep honest
    # inputs far below that); out of memory is an RSS over 2 GiB.
    started=$SECONDS
    TMPDIR=$work/tmp \
        ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:symbolize=1 \
        ASAN_SYMBOLIZER_PATH=$symbolizer \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:symbolize=1 \
        "$build/$target" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=30 -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
        -dict="$work/dict" -artifact_prefix="$artifacts/" "${keep_going[@]}" \
        "$work/corpus" >"$log" 2>&1
    rc=$?
    elapsed=$((SECONDS - started))

    bad=
    if [[ $rc -ne 0 ]]; then
        bad="exit status $rc"
    elif grep -aqE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant violated|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$log"; then
        bad="a report in the log"
    fi

    final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
    runs=$(final_stat number_of_executed_units)
    eps=$(final_stat average_exec_per_sec)
    new=$(final_stat new_units_added)
    rss=$(final_stat peak_rss_mb)
    # The last status line: "#N ... cov: C ft: F corp: K/..." (fork mode:
    # "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: O/T/X ...", where
    # cov counts the merged features and may exceed the module's edges).
    last=$(grep -aE '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1)
    field() { sed -n "s|.* $1: \([0-9]*\).*|\1|p" <<<"$last"; }
    cov=$(field cov)
    ft=$(field ft)
    corp=$(field corp)
    edges=$(sed -n 's/^INFO: Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -n 1)
    if [[ ${#keep_going[@]} -gt 0 ]]; then
        runs=$(sed -n 's/^#\([0-9]*\): .*/\1/p' <<<"$last")
        eps=$(sed -n 's|.* exec/s:\{0,1\} \([0-9]*\).*|\1|p' <<<"$last")
        found=$(sed -n 's/.* oom\/timeout\/crash: \([0-9\/]*\).*/\1/p' <<<"$last")
        new='?'
        bad=
        [[ $rc -eq 0 ]] || bad="exit status $rc"
        if [[ -n $found && $found != 0/0/0 ]] || compgen -G "$artifacts/*" >/dev/null; then
            bad="failing inputs found (oom/timeout/crash: ${found:-?})"
        fi
    fi
    line=$(printf 'fuzz: %-12s %-4s ran %ss (limit %ss)  %s runs  %s exec/s  cov %s of %s edges  ft %s  corpus %s (%s seeds, %s new)  rss %s MB' \
        "$target" "$([[ -n $bad ]] && echo FAIL || echo ok)" "$elapsed" "$seconds" "${runs:-?}" "${eps:-?}" \
        "${cov:-?}" "${edges:-?}" "${ft:-?}" "${corp:-?}" "$seeds" "${new:-?}" "${rss:-?}")
    if [[ -n $bad ]]; then
        echo "fuzz: $target FAILED ($bad); the end of its log:"
        tail -n 60 "$log" | sed 's/^/    /'
        for a in "$artifacts"/*; do
            [[ -e $a ]] || continue
            echo "fuzz: $target: input kept in $a; replay: $build/$target $a"
            od -An -c "$a" | head -n 8 | sed 's/^/    /'
        done
        failed+=("$target")
    fi
    summary+=("$line")
done

echo
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: all ${#summary[@]} targets ok"
