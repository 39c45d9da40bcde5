#!/usr/bin/env bash
# Set-up for a fresh machine: Node 24, ffmpeg/ffprobe, Java 17 (for DynamoDB Local), and for the
# tests strace, the AWS CLI and Chromium, for the benchmark's VMAF set-up (npm run bench:setup)
# pip and unzip, and GNU time for its memory figures; then `npm ci`. Safe to run again. Source it (`. scripts/setup.sh`) to keep the Node 24 PATH in
# your shell when the machine's own Node is older.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ]; then
  node_dir="$PWD/.local/node24"
  if [ ! -x "$node_dir/node_modules/.bin/node" ]; then
    echo "setup: Node $(node -v 2>/dev/null || echo none) is older than 24; installing Node 24 from npm into $node_dir"
    npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error node@24 >/dev/null
  fi
  export PATH="$node_dir/node_modules/.bin:$PATH"
  echo "setup: using Node $(node -v) from $node_dir (add $node_dir/node_modules/.bin to PATH)"
fi

missing=()
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then missing+=(ffmpeg); fi
# The hostile-input tests watch ffmpeg's file and network calls with strace.
if ! command -v strace >/dev/null; then missing+=(strace); fi
# DynamoDB Local needs Java 17+, and our launcher needs the JDK's compiler (jdk.compiler).
if ! java --list-modules 2>/dev/null | grep -q '^jdk.compiler'; then missing+=(openjdk-17-jdk-headless); fi
# The system tests drop work with Debian's AWS CLI and play the HLS output in Debian's Chromium.
if [ ! -x /usr/bin/aws ]; then missing+=(awscli); fi
if [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
# npm run bench:setup downloads the VMAF meter's wheel with pip and unzips its ffmpeg.
if ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
if ! command -v unzip >/dev/null; then missing+=(unzip); fi
# The benchmark reads ffmpeg's peak memory with GNU time.
if [ ! -x /usr/bin/time ]; then missing+=(time); fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
echo "setup: done (node $(node -v), $(ffmpeg -version | head -n1 | cut -d' ' -f1-3))"
