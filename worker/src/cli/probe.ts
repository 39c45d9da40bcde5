import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError, TranscoderError } from '../base/errors.ts';
import type { LadderPresetName } from '../contract/ladder-presets.ts';
import type { EngineConfig } from '../config/config.ts';
import { parseS3Uri } from '../contract/s3-uri.ts';
import { sourceExtension } from '../job/base/work-dir.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import { planLadder } from '../transcode/ladder/ladder.ts';
import { Transcoder } from '../transcode/transcoder.ts';

/** What the worker would do with a source, found without transcoding it. */
export type ProbeReport =
  | {
      readonly file: string;
      readonly accepted: true;
      readonly source: {
        readonly container: string;
        readonly codec: string;
        /** As displayed: rotation and pixel aspect applied. */
        readonly width: number;
        readonly height: number;
        readonly frameRate: number;
        readonly durationSeconds: number;
        readonly audio?: string;
      };
      readonly rungs: readonly {
        name: string;
        width: number;
        height: number;
        frameRate: number;
        maxVideoKbps: number;
      }[];
      /** Text tracks that become WebVTT; CEA-608 in the video is found only as the ladder runs. */
      readonly subtitles: readonly string[];
      /** The picture path (tone mapping, deinterlacing, colours), the tracks, what was doubted. */
      readonly notes: readonly string[];
    }
  | {
      readonly file: string;
      readonly accepted: false;
      readonly code: string;
      readonly reason: string;
    };

/**
 * Probes a local file as the worker does (the same checks, limits and refusals) and plans its
 * ladder. A refusal is a report, not an error: it is the answer asked for.
 */
export async function probeSource(
  file: string,
  engine: EngineConfig,
  ladder: LadderPresetName,
): Promise<ProbeReport> {
  // ffprobe and ffmpeg run in the file's directory: a relative name would be read from there.
  const path = resolve(file);
  try {
    const size = (await stat(path)).size;
    if (size > engine.maxInputBytes) {
      return {
        file,
        accepted: false,
        code: 'INVALID_MEDIA',
        reason: `the source is ${size} bytes; the limit is ${engine.maxInputBytes} (MAX_INPUT_BYTES)`,
      };
    }
    const transcoder = new Transcoder({
      paths: { ffmpegPath: engine.ffmpegPath, ffprobePath: engine.ffprobePath },
      limits: engine,
    });
    const info = await transcoder.probe(path, AbortSignal.timeout(120_000));
    return {
      file,
      accepted: true,
      source: {
        container: info.formatName,
        codec: info.video.codec,
        width: info.video.displayWidth,
        height: info.video.displayHeight,
        frameRate: Math.round(info.video.frameRate * 1000) / 1000,
        durationSeconds: Math.round(info.durationSeconds * 1000) / 1000,
        ...(info.audio ? { audio: info.audio.codec } : {}),
      },
      rungs: planLadder(info, ladder).map((r) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        frameRate: Math.round(r.frameRate * 1000) / 1000,
        maxVideoKbps: r.maxVideoKbps,
      })),
      subtitles: info.subtitles.tracks.map(
        (t) =>
          `#${t.streamIndex} ${t.codec} → WebVTT ${t.id} "${t.name}"${t.language ? ` (${t.language})` : ''}`,
      ),
      notes: [
        ...info.notes,
        ...info.subtitles.leftOut.map(
          (t) => `subtitle track #${t.streamIndex} (${t.codec}) will not be converted: ${t.reason}`,
        ),
        ...info.ignoredStreams
          .filter((s) => !info.subtitles.leftOut.some((t) => s.startsWith(`#${t.streamIndex} `)))
          .map((s) => `stream ${s} is not used`),
      ],
    };
  } catch (err) {
    if (!(err instanceof TranscoderError)) throw err;
    const { code, message } = describeError(err);
    return { file, accepted: false, code, reason: message };
  }
}

/**
 * An `s3://` source, probed as the worker would: its size checked against the limit from
 * HeadObject, then the object downloaded to a temporary directory (the probe reads the whole
 * file when the container's duration is doubtful), probed, and removed.
 */
export async function probeS3Source(
  uri: string,
  engine: EngineConfig,
  ladder: LadderPresetName,
  s3: S3Client,
): Promise<ProbeReport> {
  const parsed = parseS3Uri(uri, { prefix: false });
  if (!parsed.ok)
    return { file: uri, accepted: false, code: 'INVALID_INPUT', reason: parsed.error };
  const storage = new S3Storage(s3, { partSizeBytes: 8 * 1024 * 1024, concurrency: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'kt-probe-'));
  try {
    const head = await storage.head(parsed.value);
    if (head.size > engine.maxInputBytes) {
      return {
        file: uri,
        accepted: false,
        code: 'INVALID_MEDIA',
        reason: `the source is ${head.size} bytes; the limit is ${engine.maxInputBytes} (MAX_INPUT_BYTES)`,
      };
    }
    const path = join(dir, `source${sourceExtension(parsed.value.key)}`);
    await storage.download(parsed.value, path, head);
    return { ...(await probeSource(path, engine, ladder)), file: uri };
  } catch (err) {
    if (!(err instanceof TranscoderError)) throw err;
    const { code, message } = describeError(err);
    return { file: uri, accepted: false, code, reason: message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatProbeReport(r: ProbeReport): string {
  if (!r.accepted) return `${r.file}: refused (${r.code}): ${r.reason}`;
  const s = r.source;
  return [
    `${r.file}: accepted`,
    `  source   ${s.container}, ${s.codec} ${s.width}x${s.height} at ${s.frameRate} fps, ${s.durationSeconds} s, audio ${s.audio ?? 'none'}`,
    `  ladder   ${r.rungs.map((g) => `${g.name} ${g.width}x${g.height}${g.frameRate === s.frameRate ? '' : ` at ${g.frameRate} fps`} (≤${g.maxVideoKbps} kbps)`).join(', ')}`,
    `  subtitles ${r.subtitles.length ? r.subtitles.join(', ') : 'no text tracks'}; CEA-608 captions in the video are read from the smallest rung after encoding`,
    ...r.notes.map((n) => `  note     ${n}`),
  ].join('\n');
}
