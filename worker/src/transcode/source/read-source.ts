import { InterruptedError, InvalidMediaError } from '../../base/errors.ts';
import { sampleInterlacing } from '../ffmpeg/analysis.ts';
import { runFfprobe, scanPackets } from '../ffmpeg/ffprobe.ts';
import type { FfmpegPaths } from '../ffmpeg/invocation.ts';
import { inspectFile, readHead } from '../files/local-files.ts';
import { interlaceCheckNeeded, parseIdet, withDetectedInterlacing } from '../picture/interlace.ts';
import { interpretProbe, packetScanNeeded, refuseEncrypted } from './probe.ts';
import type { SourceInfo } from './source-info.ts';
import { checkLimits, type MediaLimits } from './source-checks.ts';
import { sniffNonVideo } from './sniff.ts';

/**
 * Packets read with the probe (all streams): enough for a few seconds of video to measure the
 * frame rate from, and the whole of a short file, at the cost of a few hundred demuxed packets.
 */
const PROBE_PACKETS = 600;
/** Frames idet looks at: 8 s of 25 fps (measured: 2.5 s on 2 cores for 1080p H.264 at 16 Mbps). */
const IDET_SAMPLE_FRAMES = 200;

/**
 * Reads the source's streams and refuses it, before any decoding, if it is not a usable
 * video or breaks a limit. The container's claims are checked against its boxes and packets
 * (probe.ts says how).
 */
export async function readSource(
  paths: FfmpegPaths,
  limits: MediaLimits,
  sourcePath: string,
  signal?: AbortSignal,
): Promise<SourceInfo> {
  const sniffed = sniffNonVideo(await readHead(sourcePath, 4096));
  if (sniffed) {
    throw new InvalidMediaError(
      `the source is ${sniffed}, not a video container: playlists, concat lists, images, image sequences and stream descriptions are refused`,
    );
  }
  // Before ffprobe: it fails on some encrypted files with an unrelated reason.
  const isoBmff = await inspectFile(sourcePath);
  refuseEncrypted([], isoBmff);
  const json = await runFfprobe(paths, sourcePath, signal, { packets: PROBE_PACKETS });
  const context = {
    packetWindow: PROBE_PACKETS,
    maxDurationSeconds: limits.maxDurationSeconds,
    ...(isoBmff ? { isoBmff } : {}),
  };
  const scan = packetScanNeeded(json, context);
  const scannedPackets = scan
    ? await scanPackets(paths, sourcePath, scan.streamIndex, signal)
    : undefined;
  const info = interpretProbe(json, {
    ...context,
    ...(scannedPackets ? { scannedPackets } : {}),
  });
  checkLimits(info, limits);
  return checkInterlacing(paths, info, sourcePath, signal);
}

/**
 * A source in an interlaced format whose stream does not say it is interlaced: idet on a
 * sample from a third of the way in (past titles and black) decides (picture/interlace.ts).
 */
async function checkInterlacing(
  paths: FfmpegPaths,
  info: SourceInfo,
  sourcePath: string,
  signal?: AbortSignal,
): Promise<SourceInfo> {
  const picture = info.video.picture;
  if (!picture || !interlaceCheckNeeded(info.video)) return info;
  let log: string;
  try {
    log = await sampleInterlacing(
      paths,
      sourcePath,
      info.video.index,
      info.video.durationSeconds > 30 ? info.video.durationSeconds / 3 : 0,
      IDET_SAMPLE_FRAMES,
      signal,
    );
  } catch (err) {
    if (err instanceof InterruptedError || signal?.aborted) throw err;
    return {
      ...info,
      notes: [...info.notes, `interlacing not checked (${(err as Error).message})`],
    };
  }
  const counts = parseIdet(log);
  const checked = counts ? withDetectedInterlacing(picture, counts) : picture;
  if (checked === picture) return info;
  return {
    ...info,
    video: { ...info.video, picture: checked },
    notes: [...checked.notes.filter((n) => !picture.notes.includes(n)), ...info.notes],
  };
}
