#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/root.sh -- a fresh Debian root of a given release, for running the
# project's commands on a release the machine does not have (CI runs the
# suite on Debian 12 itself and on Debian 13 in such a root).
#
#   tools/root.sh make RELEASE DIR    debootstrap minbase (plus git, make and
#                                     ca-certificates) into DIR, from Debian's
#                                     mirror; DIR must not exist
#   tools/root.sh run DIR CMD...      run CMD as root inside DIR, with proc,
#                                     sys and dev mounted and DNS as here;
#                                     everything mounted is unmounted, and
#                                     every process left inside is killed,
#                                     when CMD ends
#   tools/root.sh destroy DIR         kill what runs inside, unmount, remove
#   tools/root.sh check RELEASE CMD   all three: a new root in /var/tmp, a
#                                     clean clone of this checkout's HEAD in
#                                     its /root/pam_powermail, CMD run there
#                                     (a shell command line), the root removed;
#                                     PP_ROOT_KEEP=1 keeps it and says where
#
# Must run as root.  Downloads are kept between runs under
# /var/cache/pam_powermail/ (debootstrap's packages and the root's apt
# archives), so a second run fetches only what changed; a new machine
# fetches everything.  PP_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MIRROR=${PP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=/var/cache/pam_powermail
# What the root's own mount points are, in mounting order.
MOUNTS=(proc sys dev)

die() { echo "root.sh: $*" >&2; exit 1; }
usage() {
    sed -n '/^#   tools/,/^#$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and mount need it)"

# A root is a directory debootstrap filled: refuse anything else, so that
# destroy never removes a directory that is not one.
is_root() { [[ -d $1 && -x $1/usr/bin/apt-get && -f $1/etc/debian_version ]]; }

# Everything mounted at or below DIR, deepest first.
mounts_below() {
    local dir
    dir=$(realpath -m "$1")
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

# Every process whose root directory is DIR.
procs_inside() {
    local dir p r
    dir=$(realpath -m "$1")
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        [[ $r == "$dir" ]] && echo "${p#/proc/}"
    done
    return 0
}

kill_inside() {
    local pids _
    for sig in TERM KILL; do
        pids=$(procs_inside "$1")
        [[ -z $pids ]] && return 0
        # shellcheck disable=SC2086
        kill -"$sig" $pids 2>/dev/null || true
        for _ in $(seq 1 50); do
            [[ -z $(procs_inside "$1") ]] && return 0
            sleep 0.1
        done
    done
    [[ -z $(procs_inside "$1") ]] || die "processes still inside $1: $(procs_inside "$1" | tr '\n' ' ')"
}

unmount_all() {
    local m
    for m in $(mounts_below "$1"); do
        umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m"
    done
}

mount_all() {
    local root=$1 release
    # The root is a mount point of its own, as / is on a real system (a
    # test's `unshare -m` makes / private, which needs one), and private:
    # nothing mounted inside is propagated back here.
    if ! mountpoint -q "$root"; then
        mount --bind "$root" "$root"
        mount --make-private "$root"
    fi
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    mountpoint -q "$root/sys" || mount -t sysfs sysfs "$root/sys"
    if ! mountpoint -q "$root/dev"; then
        # /dev with what is mounted below it (pts, shm), not propagated back.
        mount --rbind /dev "$root/dev"
        mount --make-rslave "$root/dev"
    fi
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    # The root's downloaded packages are kept here between runs.
    release=$(. "$root/etc/os-release" && echo "$VERSION_CODENAME")
    mkdir -p "$CACHE/apt-$release"
    mountpoint -q "$root/var/cache/apt/archives" ||
        mount --bind "$CACHE/apt-$release" "$root/var/cache/apt/archives"
}

cmd_make() {
    local release=$1 dir=$2
    [[ $release =~ ^[a-z]+$ ]] || die "not a release name: '$release'"
    [[ ! -e $dir ]] || die "$dir exists; a root is made only in a new directory"
    "$TOP/tools/deps.sh" root
    mkdir -p "$CACHE/debootstrap-$release" "$(dirname "$dir")"
    echo "root.sh: debootstrap $release into $dir from $MIRROR" >&2
    if ! debootstrap --variant=minbase --include=git,make,ca-certificates \
        --cache-dir="$CACHE/debootstrap-$release" "$release" "$dir" "$MIRROR" \
        >"$dir.debootstrap.log" 2>&1; then
        tail -n 20 "$dir.debootstrap.log" >&2
        die "debootstrap $release failed (whole log: $dir.debootstrap.log)"
    fi
    rm -f "$dir.debootstrap.log"
    # Downloads are kept (the cache above), as on a normal Debian system.
    rm -f "$dir/etc/apt/apt.conf.d/docker-clean"
}

cmd_run() {
    local root=$1 rc=0
    shift
    is_root "$root" || die "$root is not a Debian root made by tools/root.sh"
    root=$(realpath "$root")
    # shellcheck disable=SC2064  # $root now: the trap runs outside this function
    trap "kill_inside '$root'; unmount_all '$root'" EXIT
    mount_all "$root"
    # A clean environment: nothing of this machine's PATH (whose python3 is
    # not Debian's) or of the caller's variables, CI's flag aside.
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        "$@" </dev/null || rc=$?
    return "$rc"
}

cmd_destroy() {
    local root=$1
    [[ -e $root ]] || return 0
    is_root "$root" || die "$root is not a Debian root made by tools/root.sh: left alone"
    root=$(realpath "$root")
    kill_inside "$root"
    unmount_all "$root"
    [[ -z $(mounts_below "$root") ]] || die "still mounted below $root: left alone"
    # --one-file-system: never below a mount point, should one be left.
    rm -rf --one-file-system "$root"
}

cmd_check() {
    local release=$1 cmdline=$2 base root rc=0
    base=$(mktemp -d /var/tmp/pam_powermail-root.XXXXXX)
    root=$base/$release
    # shellcheck disable=SC2064
    trap "finish_check '$base' '$root'" EXIT
    cmd_make "$release" "$root"
    git clone -q --no-hardlinks "$TOP" "$root/root/pam_powermail"
    echo "root.sh: $release: $(git -C "$root/root/pam_powermail" log --oneline -1)" >&2
    (cmd_run "$root" /bin/bash -c "cd /root/pam_powermail && $cmdline") || rc=$?
    return "$rc"
}

finish_check() {
    local rc=$? base=$1 root=$2
    if [[ ${PP_ROOT_KEEP:-} == 1 && -d $root ]]; then
        kill_inside "$root"
        unmount_all "$root"
        echo "root.sh: kept $root (tools/root.sh run $root CMD; tools/root.sh destroy $root)" >&2
    else
        cmd_destroy "$root"
        rmdir "$base" 2>/dev/null || true
    fi
    exit "$rc"
}

[[ $# -ge 1 ]] || usage
case $1 in
make) [[ $# -eq 3 ]] || usage; cmd_make "$2" "$3" ;;
run) [[ $# -ge 3 ]] || usage; shift; cmd_run "$@" ;;
destroy) [[ $# -eq 2 ]] || usage; cmd_destroy "$2" ;;
check) [[ $# -eq 3 ]] || usage; cmd_check "$2" "$3" ;;
*) usage ;;
esac
