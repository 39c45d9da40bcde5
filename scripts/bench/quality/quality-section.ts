import { join } from 'node:path';
import { DEFAULT_ENCODER } from '../encoder.ts';
import { pad } from '../format.ts';
import { benchSources } from '../sources.ts';
import { benchQuality, type QualityResult } from './ladder-quality.ts';
import { SETUP_COMMAND, type VmafTool } from './vmaf-setup.ts';
import { VMAF_MODEL } from './vmaf.ts';

/**
 * The benchmark's quality section (`--only quality`): the standard ladder of each source as
 * the worker encodes it, every rung's bitrate, PSNR-Y, SSIM-Y and (with the meter set up)
 * VMAF; printed as a table, returned for the JSON.
 */
export async function qualitySection(options: {
  readonly dir: string;
  readonly seconds: number;
  readonly smoke: boolean;
  readonly vmaf: VmafTool;
}): Promise<QualityResult[]> {
  const { dir, seconds } = options;
  const names = options.smoke
    ? (['screen'] as const)
    : (['camera', 'screen', 'animation', 'camera60', 'hdr'] as const);
  const sources = await benchSources(dir, seconds, names);
  const meter = 'missing' in options.vmaf ? undefined : options.vmaf;
  console.log(
    `\nQuality: the standard ladder as the worker encodes it (x264 ${DEFAULT_ENCODER.preset}, CRF and caps), ${seconds} s 1080p sources;`,
  );
  console.log(
    '  PSNR-Y and SSIM-Y: every rung against the source taken through the same picture path, thinned to the rung rate and',
  );
  console.log(
    '  scaled to its size (45 dB and 0.99 are visually lossless; under 35 dB and 0.95 artefacts show);',
  );
  console.log(
    meter
      ? `  VMAF (${VMAF_MODEL}, mean and 5th percentile of the frames): the rung upscaled (bicubic) to the source's size, at the rung's rate`
      : `  VMAF: not measured (run ${SETUP_COMMAND})`,
  );
  console.log(
    pad(['source', 'CPU-s', 'rung', 'fps', 'kbps', 'PSNR-Y', 'SSIM-Y', 'VMAF', 'VMAF p5']),
  );
  const results: QualityResult[] = [];
  for (const source of sources) {
    const q = await benchQuality(source, {
      workDir: join(dir, 'work'),
      ...(meter ? { vmaf: meter } : {}),
    });
    results.push(q);
    for (const [i, r] of q.rungs.entries()) {
      console.log(
        pad([
          i === 0 ? q.source : '',
          i === 0 ? q.ladder.cpuSeconds.toFixed(1) : '',
          r.name,
          String(r.frameRate),
          String(r.kbps),
          r.psnrY?.toFixed(1) ?? '?',
          r.ssimY?.toFixed(4) ?? '?',
          r.vmaf?.mean.toFixed(2) ?? '-',
          r.vmaf?.p5.toFixed(2) ?? '-',
        ]),
      );
    }
    if (q.picture.length > 0) console.log(`    ${q.source}: ${q.picture.join('; ')}`);
  }
  if (meter) {
    const tops = results.map(
      (q) => `${q.source} ${q.rungs[0]?.vmaf?.mean.toFixed(2) ?? '?'} (${q.rungs[0]?.name})`,
    );
    console.log(`  VMAF of the top rung: ${tops.join(', ')}`);
  }
  return results;
}
