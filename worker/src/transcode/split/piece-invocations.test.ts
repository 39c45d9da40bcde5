import { describe, expect, it } from 'vitest';
import { toArgv } from '../ffmpeg/invocation.ts';
import { LONG_SOURCE } from '../source/fixtures.ts';
import {
  audioPieceExtension,
  buildAudioHashInvocation,
  buildAudioPieceInvocation,
} from './piece-invocations.ts';

const long = LONG_SOURCE;

describe("the audio's piece", () => {
  it("copies the audio's piece with its timing, hashing the source's decoded track in the same read", () => {
    const inv = buildAudioPieceInvocation({
      sourcePath: '/work/job/source.mp4',
      source: long,
      timescale: 48000,
      cwd: '/work/job/out/pieces',
      target: 'audio.mov',
      hash: 'audio.source.framemd5',
    });
    const argv = toArgv(inv);
    expect(argv.slice(argv.indexOf('-copyts'), argv.indexOf('-i') + 2)).toEqual([
      ...['-copyts', '-i', '/work/job/source.mp4'],
    ]);
    expect(argv.slice(argv.indexOf('-y') + 1)).toEqual([
      ...['-map', '0:1', '-c', 'copy', '-movie_timescale', '48000'],
      ...['-map_metadata', '-1', '-f', 'mov', 'audio.mov'],
      ...['-map', '0:1', '-f', 'framemd5', 'audio.source.framemd5'],
    ]);
    const hash = toArgv(
      buildAudioHashInvocation({ piecePath: 'audio.mov', cwd: '/w', hash: 'audio.piece.framemd5' }),
    );
    expect(hash.slice(hash.indexOf('-copyts'))).toEqual([
      ...['-copyts', '-i', 'audio.mov', '-y', '-map', '0:0', '-f', 'framemd5'],
      'audio.piece.framemd5',
    ]);
    // Matroska's audio stays in Matroska (its codecs, its timing); everything else goes to MOV.
    expect(audioPieceExtension({ formatName: 'matroska,webm' })).toBe('mka');
    expect(audioPieceExtension({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2' })).toBe('mov');
    expect(audioPieceExtension({ formatName: 'mpegts' })).toBe('mov');
  });
});
