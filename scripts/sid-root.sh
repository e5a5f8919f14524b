#!/usr/bin/env bash
# Builds, once per machine, a Debian sid root holding today's container runtimes
# (the second generation of peers regcert's tests run; Debian 12's are from 2022):
# containerd 2.x, dockerd/docker 28, podman 5, skopeo, buildah, docker-registry,
# and the registry clients oras, cosign, crane, notation.
#
# The root lives at /var/cache/regcert-sid (REGCERT_SID_ROOT overrides it) and is
# rebuilt only when PACKAGES below changes: its stamp file .regcert-packages holds
# the package list and is written last, inside a temporary directory that is
# renamed into place, so an interrupted build is never taken as complete.
#
# Run a tool in it (as root):  chroot /var/cache/regcert-sid oras version
# Daemons: see test/helpers/sid.ts (private mount/PID/net namespaces).
set -euo pipefail

ROOT=${REGCERT_SID_ROOT:-/var/cache/regcert-sid}
STAMP=.regcert-packages
# Sorted, one line: the stamp compares it byte for byte.
PACKAGES="buildah ca-certificates containerd cosign crane crun docker-cli docker-registry docker.io iproute2 notation oras podman runc skopeo"

log() { echo "sid-root: $*" >&2; }

versions() {
  # dpkg's view of each package in the root, then what the binaries say.
  chroot "$1" dpkg-query -W -f '  ${Package} ${Version}\n' $PACKAGES >&2
}

if [ -f "$ROOT/$STAMP" ] && [ "$(cat "$ROOT/$STAMP")" = "$PACKAGES" ]; then
  log "using $ROOT (built for: $PACKAGES)"
  versions "$ROOT"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { log "must run as root (mmdebstrap, chroot)"; exit 1; }
mkdir -p "$(dirname "$ROOT")"
# One build at a time (CI and a developer's run on the same machine).
exec 9>"$ROOT.lock"
flock -w 1800 9 || { log "another build holds $ROOT.lock for 30 minutes; giving up"; exit 1; }
if [ -f "$ROOT/$STAMP" ] && [ "$(cat "$ROOT/$STAMP")" = "$PACKAGES" ]; then
  log "$ROOT was built meanwhile"
  versions "$ROOT"
  exit 0
fi

command -v mmdebstrap >/dev/null 2>&1 || {
  log "installing mmdebstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}

# The mirror apt already uses on this machine (deb822 or one-line sources).
MIRROR=$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/\{0,1\}$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$MIRROR" ] || MIRROR=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
log "mirror $MIRROR"

rm -rf "$ROOT".tmp.* "$ROOT".old.*
TMP=$ROOT.tmp.$$
trap 'rm -rf "$TMP"' EXIT
# sid's Release file may be past its Valid-Until on the mirror: accept it (outside and inside).
VALID='Acquire::Check-Valid-Until "false"'
log "bootstrapping sid into $TMP (about 2 minutes)"
mmdebstrap --quiet --variant=apt --aptopt="$VALID" --include=containerd,ca-certificates \
  sid "$TMP" "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR sid main"
echo "$VALID;" >"$TMP/etc/apt/apt.conf.d/99regcert-valid-until"
cp /etc/resolv.conf "$TMP/etc/resolv.conf"

log "installing $PACKAGES (about 1 GB)"
# A private mount namespace with /proc, /sys and /dev: maintainer scripts (systemd-tmpfiles
# in docker-registry's postinst) need /proc; no service is started (no init in a chroot).
unshare --mount --propagation private -- sh -euc '
  T=$1; shift
  mount -t proc proc "$T/proc"
  mount --rbind /sys "$T/sys"
  mount --rbind /dev "$T/dev"
  chroot "$T" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$T" apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
    # docker-registry'"'"'s postinst has been seen to fail in a chroot; its binary works.
    DEBIAN_FRONTEND=noninteractive chroot "$T" dpkg --configure -a || true
  }
  chroot "$T" apt-get clean
' sh "$TMP" $PACKAGES

for bin in containerd ctr dockerd docker podman skopeo buildah docker-registry oras cosign crane notation ip; do
  chroot "$TMP" sh -c "command -v $bin" >/dev/null || { log "$bin is missing from the root"; exit 1; }
done
versions "$TMP"

echo "$PACKAGES" >"$TMP/$STAMP"
if [ -e "$ROOT" ]; then mv "$ROOT" "$ROOT.old.$$"; fi
mv "$TMP" "$ROOT"
trap - EXIT
rm -rf "$ROOT.old.$$"
log "built $ROOT"
