import { describe, expect, it } from 'vitest';
import {
  compareEntries,
  describeComparison,
  outcome,
  summarizeComparisons,
  type BuildComparison,
} from './compare.ts';
import type { CorpusEntry } from './evaluate.ts';

const timeline = (firstSeconds: number, endSeconds: number) => ({
  frames: Math.round((endSeconds - firstSeconds) * 30),
  firstSeconds,
  endSeconds,
  playedSeconds: endSeconds - firstSeconds,
});

function accepted(overrides: Partial<NonNullable<CorpusEntry['accepted']>> = {}): CorpusEntry {
  return {
    file: 'clip.mp4',
    sizeBytes: 1000,
    plainDecode: { decodes: true, frames: 90, seconds: 3 },
    seconds: 2,
    accepted: {
      source: {
        format: 'mov,mp4,m4a,3gp,3g2,mj2',
        video: 'h264 1280x720',
        frameRate: 30,
        durationSeconds: 3,
        videoDurationSeconds: 3,
        notes: [],
      },
      audio: 'encoded',
      rungs: ['360p', '144p'],
      top: { name: '360p', width: 640, height: 360 },
      sourceVideo: timeline(0, 3),
      outputVideo: timeline(0, 3),
      sourceAudio: timeline(0, 3),
      outputAudio: timeline(0, 3),
      quality: { psnrY: 42, ssimY: 0.99 },
      topSha256: 'aa',
      topVideoMd5: 'bb',
      missing: [],
      posterBytes: 100,
      subtitles: [],
      ...overrides,
    },
  };
}

function refused(code: string, message = 'the source cannot be decoded'): CorpusEntry {
  return {
    file: 'clip.mp4',
    sizeBytes: 1000,
    plainDecode: { decodes: true, frames: 90, seconds: 3 },
    seconds: 0.3,
    error: { code, message, retryable: false },
  };
}

describe('compareEntries', () => {
  it('finds nothing between two identical accepted runs, and says the MP4s are the same bytes', () => {
    const c = compareEntries(accepted(), accepted());
    expect(c).toEqual({ file: 'clip.mp4', identical: 'file', differences: [], notes: [] });
    expect(describeComparison(c)).toBe('same, top rendition identical bit for bit');
  });

  it('tells apart the same video packets in other MP4 bytes from different encodes', () => {
    expect(compareEntries(accepted(), accepted({ topSha256: 'cc' })).identical).toBe('video');
    expect(
      compareEntries(accepted(), accepted({ topSha256: 'cc', topVideoMd5: 'dd' })).identical,
    ).toBe(false);
  });

  it('fails a file the reference accepts and the other build refuses, naming the refusal', () => {
    const c = compareEntries(
      accepted(),
      refused('INVALID_MEDIA', "this worker's ffmpeg has no decoder for the source's av1 stream"),
    );
    expect(c.differences).toEqual([
      "the other build refuses it: INVALID_MEDIA: this worker's ffmpeg has no decoder for the source's av1 stream",
    ]);
  });

  it('does not fail a file both refuse with one code, but notes other words', () => {
    const same = compareEntries(refused('ENCRYPTED_MEDIA'), refused('ENCRYPTED_MEDIA'));
    expect(same.differences).toEqual([]);
    expect(same.notes).toEqual([]);
    const worded = compareEntries(refused('INVALID_MEDIA', 'a'), refused('INVALID_MEDIA', 'b'));
    expect(worded.differences).toEqual([]);
    expect(worded.notes).toEqual(['the same refusal in other words: b']);
  });

  it('notes, without failing, what the reference refuses and the other build treats otherwise', () => {
    expect(compareEntries(refused('INVALID_MEDIA'), accepted())).toMatchObject({
      differences: [],
      notes: ['the reference refuses it (INVALID_MEDIA); the other build accepts it'],
    });
    expect(compareEntries(refused('INVALID_MEDIA'), refused('INTERNAL')).notes[0]).toMatch(
      /^refused as INVALID_MEDIA on the reference, as INTERNAL on the other build/,
    );
  });

  it('fails other rungs, another audio fate, other subtitles or other source notes', () => {
    const c = compareEntries(
      accepted(),
      accepted({
        rungs: ['360p'],
        audio: 'none',
        subtitles: ['s0 subtitles en (1 cues)'],
        source: { ...accepted().accepted!.source, notes: ['colours in bt601'] },
      }),
    );
    expect(c.differences).toEqual([
      'source notes: [] on the reference, ["colours in bt601"] on the other build',
      'rungs: ["360p","144p"] on the reference, ["360p"] on the other build',
      'audio: "encoded" on the reference, "none" on the other build',
      'subtitles: [] on the reference, ["s0 subtitles en (1 cues)"] on the other build',
    ]);
  });

  it('allows a frame of video and two AAC frames of audio, and no more', () => {
    const within = accepted({ outputVideo: timeline(0, 3.033), outputAudio: timeline(0, 3.04) });
    expect(compareEntries(accepted(), within).differences).toEqual([]);
    const beyond = accepted({ outputVideo: timeline(0, 3.1), outputAudio: timeline(0.1, 3) });
    expect(compareEntries(accepted(), beyond).differences).toEqual([
      'video length: 3 s on the reference, 3.1 s on the other build',
      'audio length: 3 s on the reference, 2.9 s on the other build',
    ]);
    expect(compareEntries(accepted(), accepted({ outputAudio: undefined })).differences).toEqual([
      'audio length: 3 s on the reference, none on the other build',
    ]);
  });

  it('allows half a decibel of PSNR-Y between the builds', () => {
    const q = (psnrY: number) => accepted({ quality: { psnrY, ssimY: 0.99 } });
    expect(compareEntries(q(42), q(41.6)).differences).toEqual([]);
    expect(compareEntries(q(42), q(41.4)).differences).toEqual([
      'PSNR-Y 42.00 dB on the reference, 41.40 dB on the other build (tolerance 0.5 dB)',
    ]);
    expect(compareEntries(q(42), accepted({ quality: undefined })).differences).toEqual([
      'PSNR-Y measured on the reference only',
    ]);
  });
});

describe('summarizeComparisons', () => {
  it('counts same outcomes and identical renditions, and lists the failing files', () => {
    const pair = (ref: CorpusEntry, other: CorpusEntry, file: string) => {
      const comparison: BuildComparison = { ...compareEntries(ref, other), file };
      return { ref: { ...ref, file }, other: { ...other, file }, comparison };
    };
    const s = summarizeComparisons([
      pair(accepted(), accepted(), 'a.mp4'),
      pair(accepted(), refused('INVALID_MEDIA'), 'b.mp4'),
      pair(refused('ENCRYPTED_MEDIA', 'x'), refused('ENCRYPTED_MEDIA', 'y'), 'c.mp4'),
    ]);
    expect(s).toMatchObject({
      files: 3,
      sameOutcome: 2,
      identicalFiles: 1,
      identicalVideo: 0,
      failing: ['b.mp4'],
      noted: ['c.mp4'],
    });
    expect(s.text).toContain('differences where the reference accepts: 1 (b.mp4)');
    expect(outcome(refused('INVALID_MEDIA'))).toBe('refused INVALID_MEDIA');
  });
});
