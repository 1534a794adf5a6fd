#!/usr/bin/env bash
# integration.packages: the Debian packages as an operator gets them.
#
#  1. Builds them from a copy of the source tree (dpkg-buildpackage -b -us -uc,
#     nocheck: the unit tests are this suite's own) and runs lintian on them:
#     any error fails; the tags are printed (debian/README.source says why
#     each stays).
#  2. Installs them with dpkg -i into a throwaway root, where the maintainer
#     scripts really run (the user arstat, the state directory, the units'
#     state), and there runs every program's --version (the version must be
#     debian/changelog's and CMakeLists.txt's), --check-config on the shipped
#     /etc/arstat files, systemd-analyze verify on the installed units (which
#     also finds their ExecStart programs and their Documentation= manual
#     pages), and man on every page. Nothing may be enabled after
#     the install. Then purges them: the configuration and the units go.
#
# The throwaway root (ARSTAT_PKG_ROOT):
#   overlay      (default) this machine's own root under an overlay whose
#                writes go to the test's directory, in a mount namespace of
#                its own: the dependencies are this machine's (scripts/deps.sh
#                installs them), nothing of the machine changes. Needs root.
#   debootstrap  a fresh minimal Debian 12 (debootstrap --variant=minbase
#                bookworm) where apt-get installs the .deb files and what
#                they depend on from the mirror: proves the Depends are
#                complete. Needs root and the Debian mirror; minutes more.
#                ARSTAT_PKG_MIRROR overrides the mirror,
#                ARSTAT_PKG_CACHE keeps the bootstrapped root as a tarball
#                between runs.
# Without root, dpkg-buildpackage or lintian it is skipped (status 77).
# Takes about 3.5 minutes on this 2-core machine (the build is most of it),
# overlay root; debootstrap about 11 minutes the first time, 6 from the cache.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The part that runs in the throwaway root (bash -s, as root): every check
# on the installed packages. $1: the expected version.
inside_root() {
	cat <<'EOF'
set -euo pipefail
version=$1
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
export LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin

echo "== install: dpkg -i, or apt-get install in a fresh root"
# A .deb that needs something this root lacks fails here, naming it.
if [ -n "${ARSTAT_PKG_APT:-}" ]; then
	apt-get install -y -q --no-install-recommends /tmp/debs/*.deb >/tmp/dpkg.log 2>&1 ||
		{ cat /tmp/dpkg.log >&2; fail "apt-get install of the packages"; }
else
	dpkg -i /tmp/debs/*.deb >/tmp/dpkg.log 2>&1 ||
		{ cat /tmp/dpkg.log >&2; fail "dpkg -i"; }
fi
for p in arstat-collector arstat-aggregator arstat-plot arstat-tools; do
	st=$(dpkg-query -W -f='${Status} ${Version}' "$p")
	[ "$st" = "install ok installed $version" ] || fail "$p: $st"
done

echo "== --version"
for prog in arstat-collector arstat-aggregator arstat-plot arstat-authres; do
	out=$("$prog" --version) || fail "$prog --version failed"
	first=${out%%$'\n'*}
	[ "$first" = "$prog $version" ] || fail "$prog --version says '$first', not '$prog $version'"
	echo "$out" | sed 's/^/  /'
done
"arstat-aggregator" --version | grep -q '^reads record schema v1 ' ||
	fail "arstat-aggregator --version names no record schema it reads"
for f in /usr/share/arstat/schemas/counts-v*.avsc; do
	v=${f##*/counts-v}; v=${v%.avsc}
	arstat-aggregator --version | grep -q "^reads record schema v$v " ||
		fail "the installed schema v$v is not one arstat-aggregator reads"
done

echo "== --check-config on the shipped configuration"
arstat-collector -c /etc/arstat/collector.conf --check-config || fail "collector.conf refused"
arstat-aggregator --check-config -c /etc/arstat/aggregator.conf || fail "aggregator.conf refused"
dpkg-query --showformat='${Conffiles}\n' -W arstat-collector arstat-aggregator >/tmp/conffiles
grep -q '^ /etc/arstat/collector.conf ' /tmp/conffiles || fail "collector.conf is not a conffile"
grep -q '^ /etc/arstat/aggregator.conf ' /tmp/conffiles || fail "aggregator.conf is not a conffile"

echo "== the user arstat and the state directory"
getent passwd arstat >/dev/null || fail "no user arstat after the install"
[ "$(stat -c '%U:%G %a' /var/lib/arstat-aggregator)" = "arstat:arstat 750" ] ||
	fail "/var/lib/arstat-aggregator: $(stat -c '%U:%G %a' /var/lib/arstat-aggregator)"
# The aggregator runs as that user on its state directory (the example
# declaration's carrier registered for the occasion).
setpriv --reuid=arstat --regid=arstat --init-groups arstat-aggregator declare \
	-c /etc/arstat/aggregator.conf -o 'carrier.jp-example.name=JP Example' \
	--file /usr/share/doc/arstat-aggregator/examples/declaration.csv.example \
	>/tmp/declare.log 2>&1 || { cat /tmp/declare.log >&2; fail "declare as the user arstat"; }
[ -f /var/lib/arstat-aggregator/arstat.db ] || fail "declare made no store"

echo "== systemd-analyze verify"
units=$(cd /lib/systemd/system && ls arstat-*.service arstat-*.timer)
[ "$(echo "$units" | wc -l)" -eq 5 ] || fail "installed units: $units"
grep -l '^[^#]*/usr/local' /lib/systemd/system/arstat-* && fail "a unit's setting names /usr/local"
(cd /lib/systemd/system && systemd-analyze verify $units) >/tmp/verify.log 2>&1 ||
	{ cat /tmp/verify.log >&2; fail "systemd-analyze verify"; }
for u in $units; do
	st=$(systemctl is-enabled "$u" || true)
	case "$st" in disabled|static) ;; *) fail "$u is $st after the install" ;; esac
done

echo "== manual pages"
for page in arstat-collector.8 arstat-collector.conf.5 arstat-aggregator.8 \
	arstat-aggregator.conf.5 arstat-plot.1 arstat-authres.1; do
	name=${page%.*} sec=${page##*.}
	warnings=$(MANWIDTH=80 man --warnings "$sec" "$name" 2>&1 >/dev/null || true)
	[ -z "$warnings" ] || fail "man $sec $name: $warnings"
	MANWIDTH=80 man "$sec" "$name" 2>/dev/null | grep -q . || fail "man $sec $name shows nothing"
done
man 5 arstat-collector.conf | grep -q 'trusted_authserv_ids = string' ||
	fail "arstat-collector.conf(5) lacks its settings"

echo "== purge"
dpkg --purge arstat-tools arstat-plot arstat-aggregator arstat-collector >/tmp/purge.log 2>&1 ||
	{ cat /tmp/purge.log >&2; fail "dpkg --purge"; }
for f in /etc/arstat/collector.conf /etc/arstat/aggregator.conf /usr/bin/arstat-collector \
	/lib/systemd/system/arstat-collector.service; do
	[ ! -e "$f" ] || fail "$f is left after the purge"
done
echo "installed, checked and purged"
EOF
}

# Mounts the overlay root in this (private) mount namespace and runs the
# checks in it. $1: TEST_DIR, $2: the version.
in_namespace() {
	local dir=$1 version=$2 root=$1/root

	mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$root"
	mount --rbind /dev "$root/dev"
	mount -t proc proc "$root/proc"
	# An empty /run: no systemd runs in the root, so the maintainer
	# scripts start and stop nothing; an empty /tmp for the packages.
	mount -t tmpfs tmpfs "$root/run"
	mount -t tmpfs tmpfs "$root/tmp"
	mkdir "$root/tmp/debs"
	cp "$dir"/debs/*.deb "$root/tmp/debs/"
	inside_root | chroot "$root" /bin/bash -s "$version"
}

if [[ ${1:-} == --print-inside ]]; then
	inside_root
	exit
fi
if [[ ${1:-} == --in-namespace ]]; then
	set -euo pipefail
	in_namespace "$2" "$3"
	exit
fi

arstat_test_init packages
mode=${ARSTAT_PKG_ROOT:-overlay}
skip() {
	echo "SKIP: $*" >&2
	exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root (a mount namespace and chroot)"
for tool in dpkg-buildpackage dh lintian fakeroot; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/deps.sh)"
done

src=$ARSTAT_SOURCE_DIR
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
cmake_version=$(sed -n 's/^project(arstat VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
assert_eq "$cmake_version" "$version" "debian/changelog's version against CMakeLists.txt's"

# A copy of the tree: the build writes into it (debian/, obj-*/). From git
# when it is a checkout (what is tracked or new and not ignored, as it is
# now), else everything but build directories.
mkdir -p "$TEST_DIR/src" "$TEST_DIR/debs"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -co --exclude-standard -z |
		(cd "$src" && tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$TEST_DIR/src"
else
	tar -C "$src" --exclude='./build*' --exclude=./out -cf - . | tar -xf - -C "$TEST_DIR/src"
fi

echo "== dpkg-buildpackage"
start=$SECONDS
(cd "$TEST_DIR/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -b -us -uc >"$TEST_DIR/build.log" 2>&1) ||
	fail "dpkg-buildpackage failed (build.log)"
echo "built in $((SECONDS - start)) s"
echo "== lintian"
# lintian warns when run as root; it reads the packages only.
lintian --fail-on error --display-info --pedantic "$TEST_DIR"/arstat_*.changes \
	>"$TEST_DIR/lintian.log" 2>&1 || { cat "$TEST_DIR/lintian.log" >&2; fail "lintian reports errors"; }
grep -E '^[EWIPX]: ' "$TEST_DIR/lintian.log" | sed 's/^/  /' || echo "  (no tags)"

# The packages to install (not the debug symbols).
cp "$TEST_DIR"/arstat-{collector,aggregator,plot,tools}_"${version}"_*.deb "$TEST_DIR/debs/"
ls "$TEST_DIR/debs" | sed 's/^/  /'
for p in arstat-collector arstat-aggregator arstat-plot arstat-tools; do
	[[ -f $TEST_DIR/debs/${p}_${version}_$(dpkg --print-architecture).deb ]] || fail "no $p package"
done
# The collector's package depends on what it links and nothing of the others'.
deps=$(dpkg-deb -f "$TEST_DIR/debs/arstat-collector_${version}_$(dpkg --print-architecture).deb" Depends)
for not in libsqlite3 libcsv gnuplot fonts-; do
	[[ $deps != *"$not"* ]] || fail "arstat-collector depends on $not: $deps"
done

echo "== install into a throwaway root ($mode)"
mkdir "$TEST_DIR/root"
case $mode in
overlay)
	mkdir "$TEST_DIR/upper" "$TEST_DIR/work"
	unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" --in-namespace \
		"$TEST_DIR" "$version" >"$TEST_DIR/root.log" 2>&1 ||
		fail "in the overlay root: $(tail -n 5 "$TEST_DIR/root.log")"
	# The overlay's writes stay in the test's directory; nothing of them is
	# needed after it.
	rm -rf "$TEST_DIR/upper" "$TEST_DIR/work"
	;;
debootstrap)
	command -v debootstrap >/dev/null || skip "debootstrap is not installed"
	root=$TEST_DIR/root
	cache=${ARSTAT_PKG_CACHE:-}
	if [[ -n $cache && -f $cache ]]; then
		tar -C "$root" -xzf "$cache"
	else
		debootstrap --variant=minbase bookworm "$root" "${ARSTAT_PKG_MIRROR:-http://deb.debian.org/debian}" \
			>"$TEST_DIR/debootstrap.log" 2>&1 || fail "debootstrap failed (debootstrap.log)"
		[[ -z $cache ]] || tar -C "$root" -czf "$cache" .
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# Everything mounted in the root belongs to this mount namespace and
	# goes with it.
	unshare --mount --propagation private -- bash -c '
		set -euo pipefail
		root=$1 dir=$2 version=$3
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		mount -t tmpfs tmpfs "$root/run"
		mkdir -p "$root/tmp/debs"
		cp "$dir"/debs/*.deb "$root/tmp/debs/"
		chroot "$root" apt-get update -q
		# What the checks use besides the packages: man, systemd-analyze.
		chroot "$root" apt-get install -y -q --no-install-recommends man-db systemd
		bash "$4" --print-inside | ARSTAT_PKG_APT=1 chroot "$root" /usr/bin/env ARSTAT_PKG_APT=1 \
			/bin/bash -s "$version"' _ "$root" "$TEST_DIR" "$version" "${BASH_SOURCE[0]}" \
		>"$TEST_DIR/root.log" 2>&1 ||
		fail "in the debootstrap root: $(tail -n 5 "$TEST_DIR/root.log")"
	;;
*)
	fail "ARSTAT_PKG_ROOT: overlay or debootstrap, not '$mode'"
	;;
esac
sed 's/^/  /' "$TEST_DIR/root.log"
echo "packages: built, lintian clean of errors, installed, checked and purged ($mode root)"
