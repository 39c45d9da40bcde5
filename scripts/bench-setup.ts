/**
 * `npm run bench:setup`: the benchmark's VMAF meter (scripts/bench/quality/vmaf-setup.ts):
 * imageio-ffmpeg 0.6.0's wheel downloaded with pip, its sha256 checked, its static ffmpeg 7.0.2
 * (with libvmaf) extracted to .local/vmaf/ffmpeg. Safe to run again. The benchmark runs without
 * it and says "VMAF: not measured".
 *
 *   npm run bench:setup                     download with pip (the network, or pip's index)
 *   npm run bench:setup -- --wheel FILE     use a copy of the wheel already on disk
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setupVmaf } from './bench/quality/vmaf-setup.ts';

const { values } = parseArgs({ options: { wheel: { type: 'string' } } });
try {
  await setupVmaf({
    root: join(import.meta.dirname, '..'),
    ...(values.wheel === undefined ? {} : { wheel: values.wheel }),
    log: (line) => console.log(line),
  });
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
