import { describe, expect, it } from 'vitest';
import { toArgv } from '../ffmpeg/invocation.ts';
import { fluentCommand } from '../ffmpeg/run.ts';
import { planLadder } from '../ladder/ladder.ts';
import { decidePicture } from '../picture/picture-path.ts';
import { LONG_SOURCE, sourceInfo } from '../source/fixtures.ts';
import { planChunks } from '../split/chunks.ts';
import { buildLadderInvocation, DEFAULT_SCALER, type LadderSpec } from './ladder-run.ts';
import { defaultEncoders } from './video/encoders.ts';

const source = sourceInfo({ width: 1280, height: 720, frameRate: 25 });
const spec: LadderSpec = {
  sourcePath: '/work/job/source.mp4',
  source,
  rungs: planLadder(source, [{ height: 720 }, { height: 360 }]),
  formats: ['hls', 'mp4'],
  segmentSeconds: 4,
  encoders: defaultEncoders(),
  scaler: DEFAULT_SCALER,
  posterAtSeconds: 1.2,
  thumbnails: false,
  cwd: '/work/job/out',
};

describe('buildLadderInvocation', () => {
  it('drops every other frame of a 60 fps source once, where a 30 fps rung leaves a 60 fps one', () => {
    const hfr = sourceInfo({ width: 1920, height: 1080, frameRate: 60 });
    const rungs = planLadder(hfr, 'standard');
    const argv = toArgv(buildLadderInvocation({ ...spec, source: hfr, rungs }));
    const graph = argv[argv.indexOf('-filter_complex') + 1]!;
    // 1080p and 720p from the source at 60; 480p and 360p from 1080p/720p, reduced to 30 on
    // the way; 240p and 144p from 480p/360p, already 30.
    expect(graph.match(/fps=30,scale/g)).toHaveLength(2);
    expect(graph).toMatch(/\[r\d+to2\]fps=30,scale=w=854:h=480/);
    expect(graph).toMatch(/\[r\d+to4\]scale=w=426:h=240/);
  });

  it('runs the picture path once before the split, converts colours where rungs leave the source, and tags every rung BT.709', () => {
    const hlgInterlaced = {
      ...source,
      video: {
        ...source.video,
        picture: decidePicture({
          index: 0,
          width: 1280,
          height: 720,
          color_transfer: 'arib-std-b67',
          field_order: 'tt',
        }),
      },
    };
    const argv = toArgv(buildLadderInvocation({ ...spec, source: hlgInterlaced }));
    const graph = argv[argv.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(
      /^\[0:0\]bwdif=[^;]*,fps=25,zscale=[^;]*tonemap=tonemap=hable[^;]*,split=2\[s0\]\[s1\];/,
    );
    expect(graph.match(/,tonemap=/g)).toHaveLength(1);
    // The top rung converts from the source; the 360p rung scales the 720p one, already BT.709.
    expect(graph).toContain(
      '[s0]scale=w=1280:h=720:flags=bicubic:in_color_matrix=bt709:out_color_matrix=bt709:in_range=limited:out_range=limited,setsar=1',
    );
    expect(graph).toContain('[r0to1]scale=w=640:h=360:flags=bicubic,setsar=1');
    const at = argv.indexOf('-color_primaries');
    expect(argv.slice(at, at + 8)).toEqual([
      '-color_primaries',
      'bt709',
      '-color_trc',
      'bt709',
      '-colorspace',
      'bt709',
      '-color_range',
      'tv',
    ]);
  });

  it('pins the argv of a two-rung HLS + MP4 ladder with audio', () => {
    expect(toArgv(buildLadderInvocation(spec))).toEqual([
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-loglevel',
      'error',
      '-progress',
      'pipe:1',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'mov,matroska,avi,mpegts,mpeg,flv,asf,mxf,ogg,dv',
      '-i',
      '/work/job/source.mp4',
      '-y',
      '-filter_complex',
      '[0:0]fps=25,split=2[s0][s1];[s0]scale=w=1280:h=720:flags=bicubic,setsar=1,format=yuv420p,split=2[v0][r0to1];[r0to1]scale=w=640:h=360:flags=bicubic,setsar=1,format=yuv420p[v1];[s1]trim=start=1.2,scale=w=1280:h=720:flags=bicubic,setsar=1[poster]',
      '-map',
      '[v0]',
      '-map',
      '[v1]',
      '-map',
      '0:1',
      '-map',
      '0:1',
      '-preset:v',
      'veryfast',
      '-profile:v',
      'high',
      '-force_key_frames:v',
      'expr:gte(t,n_forced*4)',
      '-sc_threshold:v',
      '0',
      '-g:v',
      '200',
      '-c:v:0',
      'libx264',
      '-crf:v:0',
      '23',
      '-maxrate:v:0',
      '3000k',
      '-bufsize:v:0',
      '6000k',
      '-c:v:1',
      'libx264',
      '-crf:v:1',
      '23',
      '-maxrate:v:1',
      '800k',
      '-bufsize:v:1',
      '1600k',
      '-c:a:0',
      'aac',
      '-b:a:0',
      '128k',
      '-c:a:1',
      'aac',
      '-b:a:1',
      '96k',
      '-ac',
      '2',
      '-map_metadata',
      '-1',
      '-f',
      'tee',
      // HLS: each rung's video alone, each audio encode once as its own rendition (CMAF, which
      // the DASH manifest indexes too); MP4: each rung with its audio.
      "[f=hls:select=\\'v:0\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/720p/seg_%05d.m4s]hls/720p/playlist.m3u8|[f=mp4:select=\\'v:0,a:0\\':movflags=+faststart]mp4/720p.mp4|[f=hls:select=\\'v:1\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/360p/seg_%05d.m4s]hls/360p/playlist.m3u8|[f=mp4:select=\\'v:1,a:1\\':movflags=+faststart]mp4/360p.mp4|[f=hls:select=\\'a:0\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/audio_128k/seg_%05d.m4s]hls/audio_128k/playlist.m3u8|[f=hls:select=\\'a:1\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/audio_96k/seg_%05d.m4s]hls/audio_96k/playlist.m3u8",
      '-map',
      '[poster]',
      '-frames:v',
      '1',
      '-q:v',
      '3',
      '-f',
      'image2',
      '-update',
      '1',
      'poster.jpg',
    ]);
  });

  it('builds an HLS-only, silent, portrait ladder with thumbnails', () => {
    const portrait = sourceInfo({ width: 360, height: 640, frameRate: 30 }, false);
    const inv = buildLadderInvocation({
      ...spec,
      source: portrait,
      rungs: planLadder(portrait, 'standard'),
      formats: ['hls'],
      thumbnails: { intervalSeconds: 5, width: 160, columns: 5, rows: 5 },
    });
    const argv = toArgv(inv);
    expect(inv.complexFilter).toBe(
      '[0:0]fps=30,split=4[s0][s1][s2][s3];' +
        '[s0]scale=w=360:h=640:flags=bicubic,setsar=1,format=yuv420p,split=2[v0][r0to2];' +
        '[s1]scale=w=240:h=426:flags=bicubic,setsar=1,format=yuv420p[v1];' +
        '[r0to2]scale=w=144:h=256:flags=bicubic,setsar=1,format=yuv420p[v2];' +
        '[s2]trim=start=1.2,scale=w=360:h=640:flags=bicubic,setsar=1[poster];' +
        // A thumbnail every 5 s: the frame nearest each multiple (half a 30 fps frame either
        // side), and the first frame whatever its time.
        '[s3]select=gt(floor((t+0.016666667)/5)\\,floor((t-0.016666667)/5))+eq(n\\,0),scale=w=160:h=284:flags=bicubic,setsar=1,split=2[thumbs][tiles];' +
        '[tiles]tile=5x5[sprites]',
    );
    expect(argv).not.toContain('-c:a:0');
    expect(argv.filter((a) => a === '-map')).toHaveLength(6); // 3 rungs, poster, thumbnails, sprites
    const tee = argv[argv.indexOf('tee') + 1]!;
    expect(tee.split('|')).toEqual([
      "[f=hls:select=\\'v:0\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/360p/seg_%05d.m4s]hls/360p/playlist.m3u8",
      "[f=hls:select=\\'v:1\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/240p/seg_%05d.m4s]hls/240p/playlist.m3u8",
      "[f=hls:select=\\'v:2\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/144p/seg_%05d.m4s]hls/144p/playlist.m3u8",
    ]);
    // prettier-ignore
    expect(argv.slice(-22)).toEqual([
      '-map', '[thumbs]', '-fps_mode:v', 'passthrough', '-q:v', '5', '-f', 'image2', '-start_number', '0', 'thumbnails/thumb_%05d.jpg',
      '-map', '[sprites]', '-fps_mode:v', 'passthrough', '-q:v', '5', '-f', 'image2', '-start_number', '0', 'thumbnails/sprite_%03d.jpg',
    ]);
    expect(inv.directories).toEqual(['hls/360p', 'hls/240p', 'hls/144p', 'thumbnails']);
  });

  it('reads the chosen video stream at the probed rate, and times broken audio by its samples', () => {
    const chosen = sourceInfo({ index: 2, frameRate: 30000 / 1001 });
    const broken = { ...chosen, audio: { ...chosen.audio!, index: 3, retime: true } };
    const inv = buildLadderInvocation({
      ...spec,
      source: broken,
      rungs: planLadder(broken, [{ height: 360 }]),
    });
    expect(inv.complexFilter.startsWith('[0:2]fps=30000/1001,split=')).toBe(true);
    const argv = toArgv(inv);
    expect(argv.slice(argv.indexOf('-filter:a'), argv.indexOf('-filter:a') + 2)).toEqual([
      '-filter:a',
      'asetpts=N/SR/TB+STARTPTS',
    ]);
    expect(argv).toContain('0:3');
    expect(toArgv(buildLadderInvocation(spec))).not.toContain('-filter:a');
  });

  it('only ever lets ffmpeg open local files', () => {
    const argv = toArgv(buildLadderInvocation(spec));
    expect(
      argv.slice(argv.indexOf('-protocol_whitelist'), argv.indexOf('-protocol_whitelist') + 2),
    ).toEqual(['-protocol_whitelist', 'file']);
    expect(argv.indexOf('-protocol_whitelist')).toBeLessThan(argv.indexOf('-i'));
  });

  it('is exactly what fluent-ffmpeg runs', () => {
    const inv = buildLadderInvocation(spec);
    const command = fluentCommand(
      { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' },
      inv,
    ) as unknown as {
      _getArguments(): string[];
    };
    expect(command._getArguments()).toEqual(toArgv(inv));
  });
});

describe('a chunk of a long source', () => {
  const long = LONG_SOURCE;
  const rungs = planLadder(long, [{ height: 720 }, { height: 360 }]);
  const plan = planChunks({
    durationSeconds: 130,
    frameRate: '30000/1001',
    frameStep: 1,
    segmentSeconds: 4,
    settings: { thresholdSeconds: 60, chunkSeconds: 60 },
  })!;

  it('encodes one chunk: only its frames, video only, keyframes on the whole source’s grid, HLS segments numbered as in the whole source and an MP4 part per rung', () => {
    const window = plan.chunks[1]!;
    const inv = buildLadderInvocation({
      ...spec,
      source: long,
      rungs,
      posterAtSeconds: false,
      thumbnails: { intervalSeconds: 10, width: 160, columns: 5, rows: 5 },
      window,
    });
    const argv = toArgv(inv);
    // Frame 1799 (60.027 s) is the first at or after 60 s: the seek lands a quarter frame
    // before it, the read ends a quarter frame before the next chunk's first frame (3597,
    // 120.020 s), 1798 frames later.
    expect(argv.slice(argv.indexOf('-ss'), argv.indexOf('-i'))).toEqual([
      '-ss',
      '60.018292',
      '-t',
      '59.993267',
    ]);
    expect(argv).toContain('expr:gte(t,n_forced*4-0.026633)');
    expect(argv).toContain('vbv-init=0.5');
    expect(argv).not.toContain('-c:a:0');
    // Each rung's HLS segments numbered from the chunk's first (60 s of 4 s segments: 15), cut
    // a key offset early on the chunk's own timeline (chunkHlsTime), and its part of the MP4.
    expect(argv[argv.indexOf('tee') + 1]!.split('|')).toEqual([
      "[f=hls:select=\\'v:0\\':hls_time=3.973367:hls_playlist_type=vod:hls_segment_type=fmp4:start_number=15:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/720p/seg_%05d.m4s]hls/720p/playlist.m3u8",
      "[f=mp4:select=\\'v:0\\']chunk/720p.mp4",
      "[f=hls:select=\\'v:1\\':hls_time=3.973367:hls_playlist_type=vod:hls_segment_type=fmp4:start_number=15:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/360p/seg_%05d.m4s]hls/360p/playlist.m3u8",
      "[f=mp4:select=\\'v:1\\']chunk/360p.mp4",
    ]);
    // Thumbnails on the source's timeline, numbered from the first one this chunk owns (70 s).
    expect(inv.complexFilter).toContain('setpts=PTS-STARTPTS+round(60.026633/TB),select=');
    expect(argv.slice(argv.indexOf('[thumbs]') - 1)).toEqual([
      ...['-map', '[thumbs]', '-fps_mode:v', 'passthrough', '-q:v', '5', '-f', 'image2'],
      ...['-start_number', '7', 'thumbnails/thumb_%05d.jpg'],
    ]);
    expect(inv.directories).toEqual(['chunk', 'hls/720p', 'hls/360p', 'thumbnails']);
  });
});
