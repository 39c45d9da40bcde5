import { describe, expect, it } from 'vitest';
import type { PicturePath } from '../../../worker/src/transcode/picture/picture-path.ts';
import { parseVmafLog, percentile, vmafArgv } from './vmaf.ts';

const base = {
  source: '/s/source.mp4',
  distorted: '/o/360p.mp4',
  size: { width: 1920, height: 1080 },
};

/** The filter graph's three parts: the distorted chain, the reference chain, the meter. */
function graph(argv: string[]): { distorted: string; reference: string; meter: string } {
  const g = argv[argv.indexOf('-filter_complex') + 1]!;
  const [distorted, reference, meter] = g.split(';');
  return { distorted: distorted!, reference: reference!, meter: meter! };
}

describe('vmafArgv', () => {
  it('upscales the rung to the source size (bicubic) and scores it against the source with vmaf_v0.6.1', () => {
    const argv = vmafArgv({ ...base, frameRate: '30' }, 2);
    // libvmaf's first input is the distorted one, its second the reference.
    expect(argv.slice(argv.indexOf('-i'), argv.indexOf('-i') + 4)).toEqual([
      '-i',
      '/o/360p.mp4',
      '-i',
      '/s/source.mp4',
    ]);
    const { distorted, reference, meter } = graph(argv);
    expect(distorted).toBe(
      '[0:v:0]setpts=PTS-STARTPTS,fps=30,scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p[distorted]',
    );
    expect(reference).toBe(
      '[1:v:0]setpts=PTS-STARTPTS,fps=30,scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p[reference]',
    );
    expect(meter).toBe(
      '[distorted][reference]libvmaf=model=version=vmaf_v0.6.1:n_threads=2:log_fmt=json:log_path=vmaf.json:shortest=1',
    );
    expect(argv.slice(-2)).toEqual(['null', '-']);
    expect(argv).toContain('-nostdin');
  });

  it('leaves the frame rate alone when none is asked, and subsamples only when asked', () => {
    const plain = graph(vmafArgv(base, 4));
    expect(plain.distorted).not.toContain('fps=');
    expect(plain.reference).not.toContain('fps=');
    expect(plain.meter).toContain('n_threads=4');
    expect(plain.meter).not.toContain('n_subsample');
    expect(graph(vmafArgv({ ...base, subsample: 5 }, 2)).meter).toContain(':n_subsample=5:');
  });

  it("takes the reference through the worker's picture path: deinterlaced, thinned, tone-mapped, converted", () => {
    const picture: PicturePath = {
      deinterlace: 'tt',
      toneMap: 'hlg',
      matrix: 'bt709',
      range: 'tv',
      notes: [],
    };
    const { reference, distorted } = graph(
      vmafArgv({ ...base, picture, frameRate: '30000/1001', sourceStream: 2 }, 2),
    );
    expect(reference.startsWith('[1:2]bwdif')).toBe(true);
    const order = ['bwdif', 'setpts=PTS-STARTPTS', 'fps=30000/1001', 'tonemap=', 'scale=1920:1080'];
    const at = order.map((f) => reference.indexOf(f));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(reference).toContain('in_color_matrix=bt709:out_color_matrix=bt709');
    // The rung is already SDR BT.709: only rescaled.
    expect(distorted).not.toMatch(/bwdif|tonemap|color_matrix/);
  });
});

/** The shape libvmaf 2.3.0 (ffmpeg 7.0.2) writes, cut to two metrics. */
const LOG = JSON.stringify({
  version: '2.3.0',
  frames: [91.5, 88.25, 95, 40, 97.5].map((vmaf, frameNum) => ({
    frameNum,
    metrics: { integer_motion: 1.2, vmaf },
  })),
  pooled_metrics: {
    integer_motion: { min: 0, max: 2, mean: 1, harmonic_mean: 0.9 },
    vmaf: { min: 40, max: 97.5, mean: 82.45, harmonic_mean: 73.1 },
  },
  aggregate_metrics: {},
});

describe('parseVmafLog', () => {
  it('reads the pooled mean, harmonic mean and minimum, and the frames 5th percentile', () => {
    expect(parseVmafLog(LOG)).toEqual({
      mean: 82.45,
      harmonicMean: 73.1,
      min: 40,
      // Sorted 40, 88.25, 91.5, 95, 97.5: rank 0.2 lies a fifth of the way from 40 to 88.25.
      p5: 40 + 0.2 * 48.25,
      frames: 5,
      model: 'vmaf_v0.6.1',
    });
  });

  it('refuses a log without vmaf scores, saying what it expected', () => {
    expect(() => parseVmafLog(JSON.stringify({ frames: [], pooled_metrics: {} }))).toThrow(
      /log_fmt=json/,
    );
    expect(() =>
      parseVmafLog(JSON.stringify({ frames: [{ metrics: { psnr: 3 } }], pooled_metrics: {} })),
    ).toThrow(/per-frame vmaf/);
  });
});

describe('percentile', () => {
  it('interpolates between ranks as numpy does', () => {
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 1)).toBe(4);
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(percentile([10], 0.05)).toBe(10);
  });
});
