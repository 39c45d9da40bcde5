import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import { makeClip } from '../support/clips.ts';
import { PRODUCT_FFMPEG, PRODUCT_FFPROBE } from '../support/media-tools.ts';

/**
 * What a job starts: the whole ladder is one ffmpeg process (fluent-ffmpeg's own format and
 * encoder probes, two more ffmpeg starts per job, are turned off in the adapter).
 */
describe('processes a transcode starts', () => {
  it('runs ffmpeg once for the whole ladder (and once to read captions from its smallest rung)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-invocations-'));
    const log = join(dir, 'calls.log');
    const wrap = (name: string, real: string) => {
      const path = join(dir, name);
      const resolved = execFileSync('bash', ['-c', `command -v ${JSON.stringify(real)}`], {
        encoding: 'utf8',
      }).trim();
      writeFileSync(
        path,
        `#!/usr/bin/env bash\necho "${name} $*" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(resolved)} "$@"\n`,
      );
      chmodSync(path, 0o755);
      return path;
    };
    const transcoder = new Transcoder({
      paths: {
        ffmpegPath: wrap('ffmpeg', PRODUCT_FFMPEG),
        ffprobePath: wrap('ffprobe', PRODUCT_FFPROBE),
      },
      limits: { maxDurationSeconds: 3600, maxDimension: 4096, maxFrameRate: 120 },
    });
    const result = await transcoder.transcode({
      sourcePath: await makeClip({ seconds: 2, width: 640, height: 360 }),
      outDir: join(dir, 'out'),
      request: { ladder: 'standard', formats: ['hls', 'mp4'], thumbnails: false },
      signal: new AbortController().signal,
    });
    expect(result.renditions.map((r) => r.name)).toEqual(['360p', '240p', '144p']);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    const ffmpeg = calls.filter((c) => c.startsWith('ffmpeg '));
    // One decode of the source and one encode per rung; then the smallest rung read back for
    // the CEA-608 captions its video may carry (a 144p decode, no encode).
    expect(ffmpeg.filter((c) => c.includes('libx264'))).toHaveLength(1);
    expect(ffmpeg.filter((c) => !c.includes('libx264'))).toEqual([
      expect.stringMatching(/ -f lavfi -i movie=mp4\/144p\.mp4\[out0\+subcc\] /),
    ]);
    for (const call of ffmpeg) expect(call).not.toMatch(/ -(formats|encoders|codecs|filters)\b/);
  });
});
