#!/usr/bin/env bash
# Installs everything regcert's tests need on a fresh Debian 12 machine:
# the real peers from Debian's packages (registries, verifiers, and the container
# daemons the runtime tests start privately: containerd, dockerd, podman), then
# today's runtimes in a Debian sid root (scripts/sid-root.sh: built once per machine
# into /var/cache/regcert-sid), then the npm dependencies, then a build.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in docker-registry:docker-registry skopeo:skopeo nginx:nginx-light openssl:openssl certtool:gnutls-bin \
            pk12util:libnss3-tools certutil:libnss3-tools keytool:openjdk-17-jre-headless curl:curl jq:jq \
            hyperfine:hyperfine tmux:tmux ss:iproute2 /usr/bin/time:time strace:strace zip:zip \
            update-ca-certificates:ca-certificates \
            containerd:containerd ctr:containerd dockerd:docker.io docker:docker.io podman:podman \
            cfssl:golang-cfssl cfssljson:golang-cfssl \
            systemd-analyze:systemd ansible-playbook:ansible-core cloud-init:cloud-init busybox:busybox \
            nsenter:util-linux unshare:util-linux setpriv:util-linux; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The second generation of peers (containerd 2, dockerd 28, podman 5, ...): the tests fail without it.
bash scripts/sid-root.sh

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
