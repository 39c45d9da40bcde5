#!/bin/sh
# Builds the image's ffmpeg and ffprobe from Debian's own ffmpeg source package (the 5.1 the
# tests run against), statically linked with Debian's libx264, libx265 and zimg and with dav1d
# and SVT-AV1 as build-codec-libs.sh builds them (PKG_CONFIG_PATH names them), with only what
# keda-transcoder uses: container demuxers and common camera/screen/animation decoders (AV1 by
# dav1d) in, libx264, libx265, SVT-AV1, AAC and JPEG out, the ladder's filters, text subtitle decoders and WebVTT out, and no network, no devices
# (lavfi alone, which reads CEA-608 captions from our own renditions), no playlist or concat
# demuxers.
# Usage: build-ffmpeg.sh <source-dir> <prefix>
set -eu
src=$1
prefix=$2
cd "$src"

# concat and image2 read only the worker's own files (a long source's chunks, the thumbnails for
# the sprites); every source is held to the container demuxers by -format_whitelist.
demuxers=mov,matroska,avi,mpegts,mpegps,flv,asf,mxf,ogg,dv,concat,image2
video_decoders=h264,hevc,libdav1d,vp8,vp9,mpeg4,msmpeg4v2,msmpeg4v3,mpeg1video,mpeg2video,mjpeg,prores,dnxhd,h263,wmv1,wmv2,wmv3,vc1,theora,flv,qtrle,png,rawvideo,v210,dvvideo,cfhd,hap,utvideo,ffv1
audio_decoders=aac,aac_latm,mp3,mp3float,mp2,ac3,eac3,opus,vorbis,flac,alac,dca,truehd,wmav2,wmapro,amrnb,amrwb,adpcm_ima_qt,pcm_s16le,pcm_s16be,pcm_s24le,pcm_s24be,pcm_s32le,pcm_s32be,pcm_f32le,pcm_f32be,pcm_u8,pcm_mulaw,pcm_alaw
parsers=h264,hevc,mpeg4video,mpegvideo,vp8,vp9,av1,aac,aac_latm,mpegaudio,ac3,opus,vorbis,flac,mjpeg,png,dca,dvd_nav,dnxhd,h263
subtitle_decoders=ass,ssa,srt,subrip,webvtt,movtext,text,ccaption,microdvd,subviewer,subviewer1,sami,realtext,stl,pjs,mpl2,vplayer,jacosub
bsfs=h264_mp4toannexb,hevc_mp4toannexb,aac_adtstoasc,extract_extradata,vp9_superframe,vp9_superframe_split,null
encoders=libx264,libx265,libsvtav1,aac,mjpeg,webvtt,wrapped_avframe,pcm_s16le
# matroska and framemd5: a long source's audio piece (Matroska's audio stays in Matroska) and
# the frame hashes that check it decodes as the source does.
muxers=mp4,mov,matroska,hls,tee,image2,null,webvtt,framemd5
filters=movie,loudnorm,split,asplit,scale,format,aformat,setsar,fps,tile,trim,atrim,select,aselect,aresample,null,anull,copy,setpts,asetpts,transpose,hflip,vflip,rotate,bwdif,idet,zscale,tonemap

# Two out-of-tree builds of the same source: ffmpeg with everything above, and ffprobe with
# what reading a file takes (demuxers, decoders, parsers; no encoder, filter or muxer), so that
# ffprobe does not carry x264, x265 and SVT-AV1 too (37.8 MB against 11.5 MB).
common="--prefix=$prefix --pkg-config-flags=--static --extra-ldflags=-static --extra-libs=-lm
  --disable-debug --disable-doc --disable-ffplay
  --disable-autodetect --disable-network --disable-devices --disable-postproc
  --disable-everything --enable-protocol=file,pipe --enable-libdav1d
  --enable-demuxer=$demuxers --enable-decoder=$video_decoders,$audio_decoders,$subtitle_decoders
  --enable-parser=$parsers --enable-bsf=$bsfs"

# zimg and x265 are C++: statically their libm calls need -lm after them (pkg-config's --static
# adds -lstdc++).
mkdir -p build-ffmpeg build-ffprobe
(
  cd build-ffmpeg
  # shellcheck disable=SC2086 # $common is a list of options
  ../configure $common --disable-ffprobe \
    --enable-gpl --enable-libx264 --enable-libx265 --enable-libsvtav1 --enable-libzimg \
    --enable-indev=lavfi \
    --enable-encoder="$encoders" \
    --enable-muxer="$muxers" \
    --enable-filter="$filters"
  make -j"$(nproc)"
  make install
)
(
  cd build-ffprobe
  # shellcheck disable=SC2086
  ../configure $common --disable-ffmpeg
  make -j"$(nproc)"
  make install
)
strip "$prefix/bin/ffmpeg" "$prefix/bin/ffprobe"
