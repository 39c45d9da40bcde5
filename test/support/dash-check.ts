import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

/** One Representation of a manifest as the checks read it. */
export interface DashTrack {
  readonly id: string;
  readonly contentType: string;
  /** Seconds, from the SegmentTimeline: where each segment starts and how long it lasts. */
  readonly segments: readonly { readonly start: number; readonly duration: number }[];
  readonly attributes: Record<string, string>;
}

/**
 * Reads a DASH manifest the way a player resolves it: every Representation's SegmentTemplate
 * expanded through its SegmentTimeline into file names, each checked to exist, and the
 * directory to hold no segment the manifest does not list; text tracks' BaseURLs to exist;
 * every track to cover the presentation's duration. Returns the problems and the tracks.
 */
/** The parts of an MPD the checks read, as fast-xml-parser gives them (attributes as strings). */
interface MpdXml {
  readonly MPD?: {
    readonly type: string;
    readonly mediaPresentationDuration: string;
    readonly Period: { readonly AdaptationSet: readonly AdaptationSetXml[] };
  };
}
interface AdaptationSetXml {
  readonly contentType: string;
  readonly Representation: readonly RepresentationXml[];
}
interface RepresentationXml {
  readonly id: string;
  readonly bandwidth: string;
  readonly BaseURL?: string;
  readonly SegmentTemplate?: {
    readonly timescale: string;
    readonly initialization: string;
    readonly media: string;
    readonly startNumber?: string;
    readonly SegmentTimeline: {
      readonly S: readonly { readonly t?: string; readonly d: string; readonly r?: string }[];
    };
  };
  readonly [attribute: string]: unknown;
}

export function readDash(mpdPath: string): {
  problems: string[];
  tracks: DashTrack[];
  durationSeconds: number;
} {
  const problems: string[] = [];
  const base = dirname(mpdPath);
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['AdaptationSet', 'Representation', 'S', 'Role'].includes(name),
  }).parse(readFileSync(mpdPath, 'utf8')) as MpdXml;
  const mpd = parsed.MPD;
  if (!mpd) return { problems: ['no MPD element'], tracks: [], durationSeconds: 0 };
  if (mpd.type !== 'static') problems.push(`type ${mpd.type}, not static`);
  const durationSeconds = parseDuration(mpd.mediaPresentationDuration);
  const tracks: DashTrack[] = [];
  for (const set of mpd.Period.AdaptationSet) {
    for (const rep of set.Representation) {
      const id = rep.id;
      if (!Number(rep.bandwidth)) problems.push(`${id}: no bandwidth`);
      const template = rep.SegmentTemplate;
      if (set.contentType === 'text' || !template) {
        const url = String(rep.BaseURL);
        if (!existsSync(resolve(base, url))) problems.push(`${id}: ${url} missing`);
        tracks.push({
          id,
          contentType: set.contentType,
          segments: [],
          attributes: stringAttrs(rep),
        });
        continue;
      }
      const timescale = Number(template.timescale);
      const init = template.initialization;
      if (!existsSync(resolve(base, init))) problems.push(`${id}: ${init} missing`);
      const segments: { start: number; duration: number }[] = [];
      let t = 0;
      for (const s of template.SegmentTimeline.S) {
        if (s.t !== undefined) t = Number(s.t);
        for (let r = 0; r <= Number(s.r ?? 0); r++) {
          segments.push({ start: t / timescale, duration: Number(s.d) / timescale });
          t += Number(s.d);
        }
      }
      const media = template.media;
      const names = segments.map((_, i) =>
        media.replace(
          /\$Number%05d\$/,
          String(Number(template.startNumber ?? 1) + i).padStart(5, '0'),
        ),
      );
      for (const name of names) {
        if (!existsSync(resolve(base, name))) problems.push(`${id}: ${name} missing`);
      }
      const dir = resolve(base, dirname(media));
      const onDisk = readdirSync(dir).filter((f) => f.endsWith('.m4s')).length;
      if (onDisk !== names.length)
        problems.push(`${id}: ${names.length} segments listed, ${onDisk} in ${dirname(media)}`);
      const end = segments.length > 0 ? segments.at(-1)!.start + segments.at(-1)!.duration : 0;
      if (Math.abs(end - durationSeconds) > 0.1)
        problems.push(
          `${id}: ends at ${end.toFixed(3)} s, the presentation at ${durationSeconds} s`,
        );
      tracks.push({ id, contentType: set.contentType, segments, attributes: stringAttrs(rep) });
    }
  }
  return { problems, tracks, durationSeconds };
}

function stringAttrs(rep: RepresentationXml): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rep).filter(([, v]) => typeof v === 'string') as [string, string][],
  );
}

/** PT1H2M3.5S -> 3723.5 */
function parseDuration(value: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(value ?? '');
  if (!m) return Number.NaN;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
