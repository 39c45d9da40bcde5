import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InterruptedError } from '../../base/errors.ts';
import { buildCaptionInvocation, buildSubtitleInvocation } from '../encode/subtitles.ts';
import type { FfmpegPaths } from '../ffmpeg/invocation.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { layout, subtitleLayout } from '../ladder/layout.ts';
import { captionTrack, type LeftOutTrack, type SubtitleTrack } from '../source/subtitle-tracks.ts';
import { parseMediaPlaylist, subtitleMediaPlaylist } from './hls.ts';
import { formatWebVtt, parseWebVtt, tidyCues } from './webvtt.ts';

/** A subtitle or caption track the job published. */
export interface PublishedSubtitles extends SubtitleTrack {
  readonly cues: number;
  /** The WebVTT sidecar, relative to the output prefix. */
  readonly vtt: string;
  /** The HLS subtitles rendition's media playlist, when the job writes HLS. */
  readonly hlsPlaylist?: string;
}

export interface SubtitleOutcome {
  readonly published: readonly PublishedSubtitles[];
  readonly leftOut: readonly LeftOutTrack[];
}

export interface SubtitleJob {
  readonly paths: FfmpegPaths;
  /** Called only if there are text tracks to convert. */
  readonly sourcePath: () => Promise<string>;
  readonly outDir: string;
  readonly tracks: readonly SubtitleTrack[];
  /**
   * The rendition the captions are read from (smallest, at the source's frame rate, H.264);
   * none: the captions are not read.
   */
  readonly captionRung?: string;
  readonly formats: readonly string[];
  /** How long the outputs play: the subtitle playlists' one segment. */
  readonly durationSeconds: number;
  readonly signal: AbortSignal;
}

/**
 * Converts each text track, and the captions in the video, to WebVTT beside the outputs; a
 * track that fails or holds no cue is left out with the reason (subtitles never fail a job).
 */
export async function makeSubtitles(job: SubtitleJob): Promise<SubtitleOutcome> {
  const published: PublishedSubtitles[] = [];
  const leftOut: LeftOutTrack[] = [];
  const { paths, outDir, signal } = job;
  const finish = async (track: SubtitleTrack): Promise<void> => {
    const vtt = subtitleLayout.vtt(track.id);
    const cues = tidyCues(parseWebVtt(await readFile(join(outDir, vtt), 'utf8')));
    if (cues.length === 0) {
      await rm(join(outDir, vtt), { force: true });
      if (track.kind === 'subtitles') {
        leftOut.push({
          streamIndex: track.streamIndex,
          codec: track.codec,
          reason: 'it has no cues',
        });
      }
      return;
    }
    await writeFile(join(outDir, vtt), formatWebVtt(cues));
    let hlsPlaylist: string | undefined;
    if (job.formats.includes('hls')) {
      hlsPlaylist = subtitleLayout.hlsPlaylist(track.id);
      await mkdir(dirname(join(outDir, hlsPlaylist)), { recursive: true });
      await writeFile(
        join(outDir, hlsPlaylist),
        subtitleMediaPlaylist(track.id, job.durationSeconds),
      );
    }
    published.push({ ...track, cues: cues.length, vtt, ...(hlsPlaylist ? { hlsPlaylist } : {}) });
  };

  for (const track of job.tracks) {
    try {
      await runFfmpeg(
        paths,
        buildSubtitleInvocation({
          sourcePath: await job.sourcePath(),
          streamIndex: track.streamIndex!,
          target: subtitleLayout.vtt(track.id),
          cwd: outDir,
        }),
        { signal },
      );
      await finish(track);
    } catch (err) {
      if (err instanceof InterruptedError || signal.aborted) throw err;
      await rm(join(outDir, subtitleLayout.vtt(track.id)), { force: true });
      leftOut.push({
        streamIndex: track.streamIndex,
        codec: track.codec,
        reason: `it could not be converted (${(err as Error).message})`,
      });
    }
  }

  // CEA-608: read from our own smallest rendition (an MP4, or the HLS segments joined into one).
  if (job.captionRung === undefined) return { published, leftOut };
  const cc = captionTrack();
  const joined = '.captions-source.mp4';
  try {
    const rendition = job.formats.includes('mp4')
      ? layout.mp4(job.captionRung)
      : await joinHlsRendition(outDir, job.captionRung, joined);
    await runFfmpeg(
      paths,
      buildCaptionInvocation({ rendition, target: subtitleLayout.vtt(cc.id), cwd: outDir }),
      { signal },
    );
    await finish(cc);
  } catch (err) {
    if (err instanceof InterruptedError || signal.aborted) throw err;
    await rm(join(outDir, subtitleLayout.vtt(cc.id)), { force: true });
    leftOut.push({
      codec: cc.codec,
      reason: `the video's CEA-608 captions could not be read (${(err as Error).message})`,
    });
  } finally {
    await rm(join(outDir, joined), { force: true });
  }
  return { published, leftOut };
}

/** A fragmented MP4 of one HLS rendition: its init segment and media segments, in order. */
async function joinHlsRendition(outDir: string, rung: string, target: string): Promise<string> {
  const dir = join(outDir, layout.hlsDir(rung));
  const playlist = parseMediaPlaylist(
    await readFile(join(outDir, layout.hlsPlaylist(rung)), 'utf8'),
  );
  const parts = [
    ...(playlist.initUri ? [playlist.initUri] : []),
    ...playlist.segments.map((s) => s.uri),
  ];
  const out = createWriteStream(join(outDir, target));
  for (const part of parts) {
    await pipeline(createReadStream(join(dir, part)), out, { end: false });
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return target;
}
