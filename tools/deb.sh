#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/deb.sh -- `make deb`: the Debian package libpam-powermail, built
# with dpkg-buildpackage from a copy of the tree (the working tree stays as
# it is), left in build/deb/ with its .buildinfo and .changes.
#
# As root it first installs what the build needs: dpkg-dev and debhelper
# (tools/deps.sh deb), then debian/control's Build-Depends.  As another
# user it says what is missing and stops.
set -euo pipefail
# Nothing of a calling make reaches the package's own: `make -s deb` would
# hide the compiler lines that debian/rules asks for (V=1, for blhc).
unset MAKEFLAGS MFLAGS MAKELEVEL
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
out=$TOP/build/deb

die() { echo "deb.sh: $*" >&2; exit 1; }

"$TOP/tools/deps.sh" deb
# The package's version is the project's: VERSION, which debian/changelog's
# first entry must carry.
version=$(<VERSION)
changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
[[ $version == "$changelog" ]] ||
    die "VERSION says $version, debian/changelog $changelog: add a changelog entry for $version"

if ! missing=$(dpkg-checkbuilddeps 2>&1); then
    [[ $(id -u) -eq 0 ]] || die "$missing (as root, make deb installs them)"
    echo "deb.sh: installing the build dependencies" >&2
    DEBIAN_FRONTEND=noninteractive apt-get build-dep -y --no-install-recommends ./
fi

# The copy: what git tracks, and new files it does not ignore.
rm -rf "$out"
src=$out/src/pam-powermail-$version
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
    { tail -n 30 "$out/build.log" >&2; die "dpkg-buildpackage failed (whole log: $out/build.log)"; }
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/
rm -rf "$out/src"
ls -l "$out"/*.deb
