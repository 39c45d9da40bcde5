#!/usr/bin/env bash
# CI for the container image, without Docker: makes the base image the Dockerfile names
# (make-base.sh), builds the unchanged Dockerfile with buildah (the image, and the Argo CD
# plugin's render image, --target render), reports their sizes, runs them under podman (the
# image against the local stack on loopback, the render image on a clean checkout: npm run
# test:image), then runs the transcoding and worker tests again on the image's own ffmpeg and
# ffprobe, and the corpus on both builds when a corpus folder is there (KT_CORPUS_DIR).
# Usage: bash scripts/image/ci.sh   (root, after `. scripts/setup.sh`)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$SECONDS
image=${KT_IMAGE:-localhost/keda-transcoder:ci}
work=$PWD/.local/image
mkdir -p "$work"

need=()
for tool in buildah podman runc debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if ((${#need[@]})); then
  echo "image: installing ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    buildah podman runc debootstrap uidmap >/dev/null
fi

# vfs storage and chroot isolation: no overlay or user namespaces needed. podman shares the
# storage with buildah; runc with cgroupfs because this machine's cgroups are hybrid.
export KT_PODMAN="podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs"
# Podman would raise the open-file and process limits above what this machine allows.
export KT_PODMAN_RUN="--ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=4096:4096"
export KT_IMAGE=$image

bash scripts/image/make-base.sh
echo "image: base ready at $((SECONDS - started)) s"

# Behind a TLS-intercepting proxy (as here) npm needs the machine's CA bundle during the build;
# the Dockerfile takes its path as a build argument and the file is mounted, not copied.
# Without NODE_EXTRA_CA_CERTS, the machine's own trust store (which holds such a proxy's CA).
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
ca_args=()
if [[ -f "$ca" ]]; then
  ca_args=(-v "$ca:/etc/ssl/certs/build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/etc/ssl/certs/build-ca.crt)
fi
buildah --storage-driver vfs bud --isolation chroot --pull=never --layers \
  --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg "VERSION=$(node -p 'require("./package.json").version')" \
  "${ca_args[@]}" -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -n 40 "$work/build.log"; exit 1; }
size=$($KT_PODMAN image inspect --format '{{.Size}}' "$image")
echo "image: built $image in $((SECONDS - started)) s; size $((size / 1000000)) MB uncompressed (goal ≤ 300 MB)"
$KT_PODMAN image history --format '{{.Size}}\t{{.CreatedBy}}' "$image" | cut -c1-110 | head -n 12

# The Argo CD plugin's render image, from the same Dockerfile.
render=${KT_RENDER_IMAGE:-localhost/keda-transcoder-render:ci}
buildah --storage-driver vfs bud --isolation chroot --pull=never --layers --target render \
  "${ca_args[@]}" -t "$render" . >"$work/build-render.log" 2>&1 \
  || { tail -n 40 "$work/build-render.log"; exit 1; }
size=$($KT_PODMAN image inspect --format '{{.Size}}' "$render")
echo "image: built $render at $((SECONDS - started)) s; size $((size / 1000000)) MB uncompressed"
export KT_RENDER_IMAGE=$render

npm run test:image

# The image's ffmpeg and ffprobe (static) run the transcoding and worker tests a second time.
ffdir=$work/ffmpeg
rm -rf "$ffdir" && mkdir -p "$ffdir"
ctr=$($KT_PODMAN create "$image")
$KT_PODMAN cp "$ctr:/usr/local/bin/ffmpeg" "$ffdir/ffmpeg"
$KT_PODMAN cp "$ctr:/usr/local/bin/ffprobe" "$ffdir/ffprobe"
$KT_PODMAN rm "$ctr" >/dev/null
"$ffdir/ffmpeg" -hide_banner -version | head -n1
TEST_FFMPEG_DIR=$ffdir npx vitest run --project integration test/transcode test/worker

# The corpus (real device and encoder files kept beside the checkout, never in it) on Debian's
# ffmpeg and the image's, compared file by file, so that what ships is what is tested. Two rungs
# and long files cut to their first 60 s keep it within CI's budget (README, "npm run corpus").
corpus=${KT_CORPUS_DIR:-../shared/media/androidx}
if [[ -d "$corpus" ]]; then
  npm run -s corpus -- "$corpus" --compare "$ffdir" --max-seconds 60 \
    --ladder '[{"height":360},{"height":144}]' --json "$work/corpus.json"
  echo "image: corpus compared at $((SECONDS - started)) s"
else
  echo "image: no corpus folder at $corpus (set KT_CORPUS_DIR to one); corpus comparison skipped"
fi
echo "image: done in $((SECONDS - started)) s"
