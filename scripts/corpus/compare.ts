import { AUDIO_GRANULE_SECONDS, fmt, type CorpusEntry } from './evaluate.ts';

/**
 * How one file fared on two ffmpeg builds (`npm run corpus -- <folder> --compare <dir>`): the
 * reference (Debian's, what the tests run on) and another (the image's static build). Pure: it
 * reads two entries measured with the same tools and says where they part.
 */
export interface BuildComparison {
  readonly file: string;
  /** The two top renditions: the same MP4 bytes, the same video packets only, or neither. */
  readonly identical: 'file' | 'video' | false;
  /** The reference accepted the file and the other build did otherwise: these fail the run. */
  readonly differences: readonly string[];
  /** Differences that do not fail it: the reference refused the file too, or only the words differ. */
  readonly notes: readonly string[];
}

/** Two encodes of the same frames by the same x264 differ by less than this, or not at all. */
export const PSNR_TOLERANCE_DB = 0.5;

/** `accepted`, or `refused CODE`. */
export function outcome(entry: CorpusEntry): string {
  return entry.error ? `refused ${entry.error.code}` : 'accepted';
}

export function compareEntries(ref: CorpusEntry, other: CorpusEntry): BuildComparison {
  const file = ref.file;
  if (ref.error || other.error) {
    const found: string[] = [];
    const notes: string[] = [];
    if (ref.error && other.error) {
      if (ref.error.code !== other.error.code) {
        found.push(
          `refused as ${ref.error.code} on the reference, as ${other.error.code} on the other build: ${other.error.message}`,
        );
      } else if (ref.error.message !== other.error.message) {
        notes.push(`the same refusal in other words: ${other.error.message}`);
      }
    } else if (ref.error) {
      found.push(`the reference refuses it (${ref.error.code}); the other build accepts it`);
    } else {
      found.push(`the other build refuses it: ${other.error!.code}: ${other.error!.message}`);
    }
    // What the reference refuses is not held against the other build (its own checks still run).
    return ref.error
      ? { file, identical: false, differences: [], notes: [...found, ...notes] }
      : { file, identical: false, differences: found, notes };
  }
  const a = ref.accepted!;
  const b = other.accepted!;
  const differences: string[] = [];
  const same = (what: string, x: unknown, y: unknown) => {
    const [sx, sy] = [JSON.stringify(x ?? null), JSON.stringify(y ?? null)];
    if (sx !== sy) differences.push(`${what}: ${sx} on the reference, ${sy} on the other build`);
  };
  same('source', a.source.video, b.source.video);
  same('container', a.source.format, b.source.format);
  same('frame rate', round(a.source.frameRate), round(b.source.frameRate));
  same('duration', round(a.source.videoDurationSeconds), round(b.source.videoDurationSeconds));
  same('source notes', a.source.notes, b.source.notes);
  same('rungs', a.rungs, b.rungs);
  same('top rendition', a.top, b.top);
  same('audio', a.audio, b.audio);
  same('subtitles', a.subtitles ?? [], b.subtitles ?? []);

  const frame = 1 / (a.source.frameRate || 30);
  const close = (what: string, x: number | undefined, y: number | undefined, within: number) => {
    if (x === undefined && y === undefined) return;
    if (x === undefined || y === undefined || Math.abs(x - y) > within + 0.002) {
      differences.push(
        `${what}: ${x === undefined ? 'none' : `${fmt(x)} s`} on the reference, ${y === undefined ? 'none' : `${fmt(y)} s`} on the other build`,
      );
    }
  };
  const length = (t?: { firstSeconds: number; endSeconds: number }) =>
    t && t.endSeconds - t.firstSeconds;
  close('first video frame', a.outputVideo?.firstSeconds, b.outputVideo?.firstSeconds, frame);
  close('video length', length(a.outputVideo), length(b.outputVideo), frame);
  close(
    'audio length',
    length(a.outputAudio),
    length(b.outputAudio),
    2 * AUDIO_GRANULE_SECONDS + 0.01,
  );

  const [qa, qb] = [a.quality?.psnrY, b.quality?.psnrY];
  if ((qa === undefined) !== (qb === undefined)) {
    differences.push(
      `PSNR-Y measured on ${qa === undefined ? 'the other build' : 'the reference'} only`,
    );
  } else if (qa !== undefined && qb !== undefined && Math.abs(qa - qb) > PSNR_TOLERANCE_DB) {
    differences.push(
      `PSNR-Y ${qa.toFixed(2)} dB on the reference, ${qb.toFixed(2)} dB on the other build (tolerance ${PSNR_TOLERANCE_DB} dB)`,
    );
  }

  const identical =
    a.topSha256 !== undefined && a.topSha256 === b.topSha256
      ? 'file'
      : a.topVideoMd5 !== undefined && a.topVideoMd5 === b.topVideoMd5
        ? 'video'
        : false;
  return { file, identical, differences, notes: [] };
}

/** One line for a file: `same`, how identical, or what differs. */
export function describeComparison(c: BuildComparison): string {
  if (c.differences.length > 0) return `DIFFERS: ${c.differences.join('; ')}`;
  const how =
    c.identical === 'file'
      ? ', top rendition identical bit for bit'
      : c.identical === 'video'
        ? ', top rendition video packets identical (the MP4s differ)'
        : '';
  return `same${how}${c.notes.length ? ` (${c.notes.join('; ')})` : ''}`;
}

export interface ComparisonSummary {
  readonly files: number;
  readonly sameOutcome: number;
  readonly identicalFiles: number;
  readonly identicalVideo: number;
  /** Files the reference accepts that the other build treats otherwise. */
  readonly failing: readonly string[];
  /** Files the reference refuses on which the other build differs (not failing). */
  readonly noted: readonly string[];
  readonly text: string;
}

export function summarizeComparisons(
  pairs: readonly {
    readonly ref: CorpusEntry;
    readonly other: CorpusEntry;
    readonly comparison: BuildComparison;
  }[],
): ComparisonSummary {
  const sameOutcome = pairs.filter((p) => outcome(p.ref) === outcome(p.other)).length;
  const accepted = pairs.filter((p) => p.ref.accepted && p.other.accepted).length;
  const identicalFiles = pairs.filter((p) => p.comparison.identical === 'file').length;
  const identicalVideo = pairs.filter((p) => p.comparison.identical === 'video').length;
  const failing = pairs.filter((p) => p.comparison.differences.length > 0).map((p) => p.ref.file);
  const noted = pairs.filter((p) => p.comparison.notes.length > 0).map((p) => p.ref.file);
  const lines = [
    `same outcome on both builds: ${sameOutcome} of ${pairs.length}`,
    `accepted by both: ${accepted}; top rendition identical bit for bit in ${identicalFiles}` +
      (identicalVideo ? `, the same video packets in ${identicalVideo} more` : ''),
    `differences where the reference accepts: ${failing.length}${failing.length ? ` (${failing.join(', ')})` : ''}`,
    ...(noted.length ? [`other differences, not failing: ${noted.join(', ')}`] : []),
  ];
  return {
    files: pairs.length,
    sameOutcome,
    identicalFiles,
    identicalVideo,
    failing,
    noted,
    text: lines.join('\n'),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
