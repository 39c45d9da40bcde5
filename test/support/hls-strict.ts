import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { types } from 'hls-parser';
import { parse, setOptions } from 'hls-parser';

setOptions({ strictMode: true, silent: true });

/**
 * Reads a job's HLS tree the way strict players do: every playlist through hls-parser in strict
 * mode (it throws on what the spec forbids), then the rules of RFC 8216 that players act on,
 * which a parser does not check: target durations against the rounded EXTINFs, peak bandwidth
 * against the segments (video and audio together), the attributes players select renditions by,
 * audio and subtitle groups and their defaults, and every URI pointing at a file that exists. Returns the problems, empty when the
 * tree is clean.
 */
export function strictHlsProblems(masterPath: string): string[] {
  const problems: string[] = [];
  const master = parse(readFileSync(masterPath, 'utf8'));
  if (!master.isMasterPlaylist) return [`${masterPath} is not a master playlist`];
  const base = dirname(masterPath);
  // hls-parser gives every variant its own copy of its group's renditions: one per URI.
  const groups = new Map<string, Map<string, types.Rendition>>();
  const kinds = new Map<string, 'subtitles' | 'audio'>();
  for (const v of master.variants) {
    for (const [kind, list] of [
      ['subtitles', v.subtitles],
      ['audio', v.audio],
    ] as const) {
      for (const r of list) {
        const byUri = groups.get(r.groupId) ?? new Map<string, types.Rendition>();
        byUri.set(r.uri ?? r.name, r);
        groups.set(r.groupId, byUri);
        if (kinds.get(r.groupId) && kinds.get(r.groupId) !== kind)
          problems.push(`group ${r.groupId}: used for both audio and subtitles`);
        kinds.set(r.groupId, kind);
      }
    }
  }
  for (const [group, byUri] of groups) {
    const renditions = [...byUri.values()];
    const names = renditions.map((r) => r.name);
    if (new Set(names).size !== names.length)
      problems.push(`group ${group}: NAMEs repeat (${names.join(', ')})`);
    if (renditions.filter((r) => r.isDefault).length > 1)
      problems.push(`group ${group}: more than one DEFAULT=YES`);
    for (const r of renditions) {
      if (r.isDefault && !r.autoselect)
        problems.push(`${r.name}: DEFAULT=YES needs AUTOSELECT=YES`);
      if (!r.uri) {
        problems.push(`${r.name}: a ${r.type} rendition must have a URI`);
        continue;
      }
      problems.push(...mediaProblems(resolve(base, r.uri), kinds.get(group)!));
    }
  }
  if (master.variants.length === 0) problems.push('no variants');
  for (const v of master.variants) {
    const where = `variant ${v.uri}`;
    if (!v.codecs) problems.push(`${where}: no CODECS`);
    if (!v.resolution) problems.push(`${where}: no RESOLUTION`);
    if (!v.frameRate) problems.push(`${where}: no FRAME-RATE`);
    if (!v.videoRange) problems.push(`${where}: no VIDEO-RANGE`);
    if (!(v.averageBandwidth! <= v.bandwidth))
      problems.push(`${where}: AVERAGE-BANDWIDTH > BANDWIDTH`);
    if (v.audio.length > 0 && !/mp4a\./.test(v.codecs ?? ''))
      problems.push(`${where}: plays audio but CODECS names no audio codec`);
    const path = resolve(base, v.uri);
    problems.push(...mediaProblems(path, 'video'));
    // BANDWIDTH covers the peak segment of the variant's video and of its audio rendition.
    const audioPeak = Math.max(
      0,
      ...v.audio.filter((a) => a.uri).map((a) => peakBitRate(resolve(base, a.uri!))),
    );
    const videoPeak = peakBitRate(path);
    if (videoPeak + audioPeak > v.bandwidth * 1.0001) {
      problems.push(
        `${where}: its segments peak at ${Math.round(videoPeak)} + ${Math.round(audioPeak)} bit/s (video + audio), over BANDWIDTH ${v.bandwidth}`,
      );
    }
  }
  return problems;
}

/** The highest bit rate of any one segment of a media playlist (0 when it is missing). */
function peakBitRate(path: string): number {
  if (!existsSync(path)) return 0;
  const media = parse(readFileSync(path, 'utf8')) as types.MediaPlaylist;
  let peak = 0;
  for (const s of media.segments) {
    const segment = resolve(dirname(path), s.uri);
    if (s.duration > 0 && existsSync(segment))
      peak = Math.max(peak, (statSync(segment).size * 8) / s.duration);
  }
  return peak;
}

function mediaProblems(path: string, kind: 'video' | 'audio' | 'subtitles'): string[] {
  if (!existsSync(path)) return [`${path}: missing`];
  const problems: string[] = [];
  const media = parse(readFileSync(path, 'utf8'));
  if (media.isMasterPlaylist) return [`${path}: a master playlist where a media playlist belongs`];
  const dir = dirname(path);
  if (!media.endlist) problems.push(`${path}: no EXT-X-ENDLIST (a VOD playlist ends)`);
  if (media.playlistType !== 'VOD') problems.push(`${path}: PLAYLIST-TYPE is not VOD`);
  if (media.segments.length === 0) problems.push(`${path}: no segments`);
  if (!(media.targetDuration >= 1))
    problems.push(`${path}: TARGETDURATION ${media.targetDuration}`);
  for (const s of media.segments) {
    if (Math.round(s.duration) > media.targetDuration) {
      problems.push(
        `${path}: EXTINF ${s.duration} rounds above TARGETDURATION ${media.targetDuration}`,
      );
    }
    if (!existsSync(join(dir, s.uri))) problems.push(`${path}: segment ${s.uri} missing`);
    if (s.map && !existsSync(join(dir, s.map.uri)))
      problems.push(`${path}: map ${s.map.uri} missing`);
    if (kind !== 'subtitles' && !s.map)
      problems.push(`${path}: fMP4 segment ${s.uri} without EXT-X-MAP`);
  }
  if (kind !== 'subtitles' && media.segments.some((s) => s.map) && media.version! < 6) {
    problems.push(`${path}: EXT-X-MAP needs EXT-X-VERSION 6 or more`);
  }
  return problems;
}
