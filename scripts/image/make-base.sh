#!/usr/bin/env bash
# Makes the base image the Dockerfile names (docker.io/library/node:24-bookworm-slim) without
# Docker Hub: Debian bookworm from debootstrap (minbase, as Debian's slim images are) plus
# Node 24 and npm from the npm registry, laid out as the official Node image lays them out
# (/usr/local/bin/node, /usr/local/lib/node_modules/npm). Tags it with that name in buildah's
# local storage, so `buildah bud --pull=never` builds the Dockerfile unchanged.
# Usage: scripts/image/make-base.sh [tag]   (root; needs debootstrap, buildah, npm)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tag=${1:-docker.io/library/node:24-bookworm-slim}
work=${IMAGE_WORK:-$PWD/.local/image}
buildah=(buildah --storage-driver vfs)

if "${buildah[@]}" inspect --type image "$tag" >/dev/null 2>&1; then
  echo "base: $tag exists"
  exit 0
fi
rootfs=$work/base-rootfs
rm -rf "$rootfs" && mkdir -p "$rootfs" "$work"

echo "base: debootstrap bookworm (minbase)"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log"; exit 1; }
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# What Debian's slim images leave out (debuerreotype's "slimify"): docs but the copyright files,
# manuals, info pages and translations, now and for every package installed later.
mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
SLIM
# And, as they do, apt keeps no downloaded packages and no translated package lists.
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/groff/* "$rootfs"/var/log/*.log

echo "base: Node 24 and npm from the npm registry"
rm -rf "$work/node" && mkdir -p "$work/node"
npm install --prefix "$work/node" --no-save --no-audit --no-fund --loglevel=error node@24 npm@11 >/dev/null
install -D -m 0755 "$work/node/node_modules/node/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$work/node/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
node_version=$("$rootfs/usr/local/bin/node" --version)

ctr=$("${buildah[@]}" from scratch)
mnt=$("${buildah[@]}" mount "$ctr")
cp -a "$rootfs/." "$mnt/"
"${buildah[@]}" umount "$ctr" >/dev/null
"${buildah[@]}" config --env "NODE_VERSION=${node_version#v}" \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd node --label "org.opencontainers.image.description=Debian bookworm (debootstrap) + Node ${node_version} (npm registry), made by scripts/image/make-base.sh" \
  "$ctr"
"${buildah[@]}" commit --quiet "$ctr" "$tag" >/dev/null
"${buildah[@]}" rm "$ctr" >/dev/null
echo "base: $tag (Node $node_version), $("${buildah[@]}" inspect --type image --format '{{.Size}}' "$tag" 2>/dev/null || true)"
