import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The ffmpeg and ffprobe the product runs in the tests: the machine's (Debian's) by default,
 * or the image's own minimal build when TEST_FFMPEG_DIR names a directory holding it (CI runs
 * the transcoding tests a second time that way). What the tests use to check outputs and make
 * clips is always the machine's full ffmpeg: an independent tool.
 */
const dir = process.env.TEST_FFMPEG_DIR;
export const PRODUCT_FFMPEG = dir ? join(dir, 'ffmpeg') : 'ffmpeg';
export const PRODUCT_FFPROBE = dir ? join(dir, 'ffprobe') : 'ffprobe';

/** The product's ffmpeg, as a Transcoder takes it, and limits roomy enough for every test clip. */
export const PRODUCT_PATHS = { ffmpegPath: PRODUCT_FFMPEG, ffprobePath: PRODUCT_FFPROBE };
export const TEST_LIMITS = { maxDurationSeconds: 3600, maxDimension: 4096, maxFrameRate: 120 };

/**
 * The product's ffmpeg as a build without one encoder would list its encoders (`-encoders`
 * leaves it out; everything else runs the real ffmpeg): the path of that wrapper.
 */
export function ffmpegWithoutEncoder(encoder: string): string {
  const wrapper = join(mkdtempSync(join(tmpdir(), `no-${encoder}-`)), 'ffmpeg');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nif [ "$2" = "-encoders" ]; then ${PRODUCT_FFMPEG} "$@" | grep -v ${encoder}; exit 0; fi\nexec ${PRODUCT_FFMPEG} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}
