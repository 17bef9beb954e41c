#!/usr/bin/env bash
# End-to-end tests on a fresh Debian machine: installs what the local stack needs (only if
# missing), builds the pinned upstream binaries (cached in .cache/bin by version), runs the suite.
# Needs root (network namespaces, cgroups and mounts for the node and the Argo Events processes),
# Go >= 1.26 and Node 20. The node's Debian packages (containerd, runc, nftables,
# containernetworking-plugins; gcc and libc6-dev for Kubernetes' pause) are installed by the
# local stack when missing (dev/tools/versions.json image.hostPackages).
# Also builds the shipped image from the Dockerfile (buildah, on bases made by mmdebstrap) and runs
# it in containerd (npm run test:image; it installs buildah, mmdebstrap, containerd, runc if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: must run as root (ip netns, mount namespaces)" >&2
  exit 1
fi

missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v openssl >/dev/null || missing+=(openssl)
command -v unshare >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v go >/dev/null || { echo "e2e: Go >= 1.26 is required to build the pinned binaries" >&2; exit 1; }

[ -d node_modules ] || npm ci
npm run build

# Cold: about 32 minutes on 2 cores, the node's binaries included (docs/local-control-plane.md);
# warm Go caches: about two minutes; cached in .cache/bin: seconds.
start=$(date +%s)
npm run binaries
echo "e2e: binaries ready in $(( $(date +%s) - start ))s"

# Cold: about a minute (two Debian rootfs, npm ci in the build stage); warm: seconds.
start=$(date +%s)
npm run test:image
echo "e2e: image built, loaded and run in $(( $(date +%s) - start ))s"

npm run test:e2e

# npm start's lifetime: every ending (Ctrl-C, SIGHUP, SIGTERM, a dead pipe, npm or the start
# process killed) stops the whole stack (each case starts the stack once); before the Ctrl-C, the
# README's walk-through runs against it.
npm run test:lifetime
