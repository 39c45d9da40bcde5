#!/bin/sh
# Builds the codec libraries Debian ships only as shared objects, static, from Debian's own
# source packages (apt-get source, its patches applied), into <prefix>: dav1d (AV1 decoding) and
# SVT-AV1 (AV1 encoding). x265 comes as Debian's static libx265.a; its pkg-config file asks for
# libgcc_s, which a static link cannot take, so a copy without it is written beside the others.
# Usage: build-codec-libs.sh <source-dir> <prefix>   (then PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)
set -eu
src=$1
prefix=$2
mkdir -p "$prefix/lib/pkgconfig"

cd "$src"/dav1d-*/
meson setup "$src/build-dav1d" --prefix="$prefix" --libdir=lib --default-library=static --buildtype=release \
  -Denable_tools=false -Denable_tests=false
ninja -C "$src/build-dav1d" install

cd "$src"/svt-av1-*/
cmake -S . -B "$src/build-svt-av1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DBUILD_DEC=OFF -DBUILD_APPS=OFF -DBUILD_TESTING=OFF \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib
ninja -C "$src/build-svt-av1" install

x265=$(pkg-config --variable=pcfiledir x265)/x265.pc
sed -e 's/ -lgcc_s//g' "$x265" > "$prefix/lib/pkgconfig/x265.pc"
