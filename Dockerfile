# syntax=docker/dockerfile:1
#
# keda-transcoder: one image, three entry points (worker by default; api; cli).
#
#   docker build -t <registry>/keda-transcoder:<version> .
#   docker push <registry>/keda-transcoder:<version>
#
# and the Argo CD plugin's render image (argocd.plugin.image), from the same file:
#
#   docker build --target render -t <registry>/keda-transcoder-render:<version> .
#
# Node 24 LTS on Debian bookworm is the base, as a build argument so that CI can build against
# a base it made itself (see scripts/image/). Every stage starts from it.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

# ---- ffmpeg: Debian's own ffmpeg source, built minimal and static with Debian's codecs ----
# Debian's ffmpeg package pulls ~250 MB of shared libraries (README: "The image"); this build
# keeps what keda-transcoder uses: libx264 and libx265 as Debian ships them (static archives),
# dav1d (AV1 decoding) and SVT-AV1 (AV1 encoding) built static from Debian's source packages.
FROM ${NODE_IMAGE} AS ffmpeg
ARG FFMPEG_DEBIAN_SUITES="bookworm bookworm-updates"
COPY docker/build-codec-libs.sh /usr/local/bin/build-codec-libs.sh
COPY docker/build-ffmpeg.sh /usr/local/bin/build-ffmpeg.sh
RUN set -eux; \
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$FFMPEG_DEBIAN_SUITES" > /etc/apt/sources.list.d/debian-src.sources; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential dpkg-dev nasm pkg-config xz-utils meson ninja-build cmake \
      libx264-dev libx265-dev libnuma-dev libzimg-dev; \
    mkdir -p /src; cd /src; \
    apt-get source ffmpeg dav1d svt-av1; \
    build-codec-libs.sh /src /opt/codecs; \
    PKG_CONFIG_PATH=/opt/codecs/lib/pkgconfig \
      build-ffmpeg.sh "$(find /src -maxdepth 1 -type d -name 'ffmpeg-*' | head -n1)" /opt/ffmpeg; \
    /opt/ffmpeg/bin/ffmpeg -hide_banner -version | head -n1

# ---- app: the worker, API and CLI bundled with esbuild (no node_modules at run time) ----
FROM ${NODE_IMAGE} AS app
# Behind a TLS-intercepting proxy, mount its CA bundle and name it here (CI does); unset otherwise.
ARG NODE_EXTRA_CA_CERTS
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY worker ./worker
COPY scripts/build-app.ts ./scripts/
COPY scripts/build/bundle-options.ts ./scripts/build/
RUN node scripts/build-app.ts --outdir /out/app

# ---- render: the Argo CD plugin's sidecar (docker build --target render .) ----
# Node 24 and the charts' dependencies, installed once from package-lock.json, so the plugin
# (charts/constructs/argocd-plugin.ts) renders a checkout with `cdk8s synth` and never runs npm.
# argocd-cmp-server, its entry point, comes from the repo-server; Argo CD runs sidecars as 999.
FROM ${NODE_IMAGE} AS render
ARG NODE_EXTRA_CA_CERTS
WORKDIR /opt/keda-transcoder
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && \
    rm -rf /root/.npm /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
      /usr/share/doc /usr/share/man /var/lib/apt/lists/*
USER 999:999

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="keda-transcoder" \
      org.opencontainers.image.description="Scale-to-zero video transcoding on Amazon EKS: a KEDA ScaledJob on SQS, ffmpeg ladders to S3, state in DynamoDB." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0 AND GPL-2.0-or-later" \
      org.opencontainers.image.source="https://github.com/example/keda-transcoder"
# The base's package managers are of no use at run time: npm, npx, corepack and yarn go.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
      /usr/share/doc /usr/share/man /var/lib/apt/lists/*; \
    mkdir -p /work && chown 10001:10001 /work
COPY --from=ffmpeg /opt/ffmpeg/bin/ffmpeg /opt/ffmpeg/bin/ffprobe /usr/local/bin/
COPY --from=app /out/app /app
# Writable at run time: only the work volume and TMPDIR (both emptyDirs in the manifests), so
# the root filesystem can be mounted read-only.
ENV NODE_ENV=production \
    WORK_DIR=/work \
    TMPDIR=/tmp \
    FFMPEG_PATH=/usr/local/bin/ffmpeg \
    FFPROBE_PATH=/usr/local/bin/ffprobe
WORKDIR /app
USER 10001:10001
# node is PID 1: the worker and the API handle SIGTERM themselves (and reap ffmpeg, the only
# child they start), which CI checks against the built image.
CMD ["node", "/app/worker.mjs"]
