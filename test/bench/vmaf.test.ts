import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bdRate } from '../../scripts/bench/quality/bd-rate.ts';
import { ratePoints } from '../../scripts/bench/quality/rate-points.ts';
import { findVmafFfmpeg, SETUP_COMMAND } from '../../scripts/bench/quality/vmaf-setup.ts';
import { measureVmaf } from '../../scripts/bench/quality/vmaf.ts';
import { h264Encoder } from '../../worker/src/transcode/encode/video/h264.ts';
import { makeClip } from '../support/clips.ts';

const run = promisify(execFile);

/**
 * The benchmark's VMAF meter against the real libvmaf (the ffmpeg `npm run bench:setup` puts in
 * .local/vmaf/; CI sets it up, so there this runs): a clip against itself, against a heavily
 * compressed copy, and a half-rate, half-size rung as the ladder makes for 60 fps sources; and
 * two rate-quality curves, made by the worker's single-rung command, compared by BD-rate.
 */
const tool = await findVmafFfmpeg(join(import.meta.dirname, '..', '..'));
const missing = 'missing' in tool ? `${tool.missing}; run ${SETUP_COMMAND}` : undefined;
if (missing) console.warn(`test/bench/vmaf.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)(
  `measureVmaf with the real libvmaf${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const ffmpeg = 'ffmpeg' in tool ? tool.ffmpeg : '';
    const size = { width: 640, height: 360 };
    const sourceClip = () =>
      makeClip({
        seconds: 2,
        ...size,
        fps: 60,
        audio: false,
        outputOptions: [
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-crf',
          '12',
          '-pix_fmt',
          'yuv420p',
        ],
      });
    /** An encode of the source with Debian's ffmpeg, as a rung would be made. */
    const encode = async (source: string, name: string, options: string[]) => {
      const out = join(mkdtempSync(join(tmpdir(), 'vmaf-it-')), `${name}.mp4`);
      await run('ffmpeg', [
        '-v',
        'error',
        '-i',
        source,
        ...options,
        '-pix_fmt',
        'yuv420p',
        '-y',
        out,
      ]);
      return out;
    };

    // vmaf_v0.6.1 gives identical pictures about 100, not exactly (98.7 on this pattern).
    it('scores a clip against itself at about 100, every frame paired', async () => {
      const source = await sourceClip();
      const self = await measureVmaf({ ffmpeg, source, distorted: source, size, threads: 2 });
      expect(self.frames).toBe(120);
      expect(self.mean).toBeGreaterThan(97);
      expect(self.p5).toBeGreaterThan(95);
      expect(self.model).toBe('vmaf_v0.6.1');
    });

    it('scores a heavily compressed copy clearly lower', async () => {
      const source = await sourceClip();
      const crushed = await encode(source, 'crf51', [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '51',
      ]);
      const good = await encode(source, 'crf18', [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '18',
      ]);
      const low = await measureVmaf({ ffmpeg, source, distorted: crushed, size, threads: 2 });
      const high = await measureVmaf({ ffmpeg, source, distorted: good, size, threads: 2 });
      expect(low.frames).toBe(120);
      expect(low.mean).toBeLessThan(70);
      expect(high.mean).toBeGreaterThan(low.mean + 20);
      expect(low.harmonicMean).toBeLessThanOrEqual(low.mean);
      expect(low.p5).toBeLessThanOrEqual(low.mean);
    });

    it("scores a half-rate, half-size rung at the rung's rate against the source", async () => {
      const source = await sourceClip();
      const rung = await encode(source, '180p30', [
        ...['-vf', 'fps=30,scale=320:180:flags=bicubic'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16'],
      ]);
      const thinned = await measureVmaf({
        ffmpeg,
        source,
        distorted: rung,
        size,
        frameRate: '30',
        threads: 2,
      });
      // Each of the rung's 60 frames against the source frame it was made from: upscaled from a
      // quarter of the pixels it loses detail, not alignment.
      expect(thinned.frames).toBe(60);
      expect(thinned.mean).toBeGreaterThan(60);
      expect(thinned.mean).toBeLessThan(97);
      // The same rung made one source frame late: every frame paired with its neighbour's
      // original. Pairing is what the score rests on (here, a moving test pattern: 37 vs 87).
      const late = await encode(source, '180p30-late', [
        ...['-vf', 'trim=start_frame=1,fps=30,scale=320:180:flags=bicubic'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16'],
      ]);
      const misaligned = await measureVmaf({
        ffmpeg,
        source,
        distorted: late,
        size,
        frameRate: '30',
        threads: 2,
      });
      expect(misaligned.mean).toBeLessThan(thinned.mean - 20);
    });

    it("measures rate points with the worker's own command, and BD-rate tells x264 presets apart", async () => {
      // Small and short: eight encodes and eight measurements.
      const source = await makeClip({ seconds: 2, width: 426, height: 240, fps: 30, audio: false });
      const curve = (preset: string) =>
        ratePoints({
          source,
          rung: '240p',
          encoder: h264Encoder({ preset, threadsPerRung: 0 }),
          crfs: [20, 26, 32, 38],
          meter: { ffmpeg, version: '' },
          workDir: mkdtempSync(join(tmpdir(), 'rate-points-')),
        });
      const veryfast = await curve('veryfast');
      expect(veryfast.map((p) => p.crf)).toEqual([20, 26, 32, 38]);
      for (const [i, p] of veryfast.entries()) {
        expect(p.score.frames).toBe(60);
        expect(p.cost.cpuSeconds).toBeGreaterThan(0);
        if (i > 0) {
          expect(p.kbps).toBeLessThan(veryfast[i - 1]!.kbps);
          expect(p.vmaf).toBeLessThan(veryfast[i - 1]!.vmaf);
        }
      }
      // ultrafast (no CABAC, no B-frames) needs more bits for the same VMAF.
      const ultrafast = await curve('ultrafast');
      expect(bdRate(veryfast, ultrafast)).toBeGreaterThan(10);
    });
  },
);
