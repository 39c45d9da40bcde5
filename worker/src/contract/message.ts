import { z } from 'zod';
import {
  LADDER_PRESETS,
  LIMITS,
  VIDEO_CODECS,
  type LadderPresetName,
  type VideoCodec,
} from './ladder-presets.ts';
import { formatS3Uri, s3UriSchema, type Parsed, type S3Location } from './s3-uri.ts';

/**
 * The message contract, version 1: the JSON body of an SQS message that asks for one job.
 * Documented in the README ("The message contract"); keep the two in step.
 */
export interface JobRequest {
  readonly version: 1;
  readonly jobId?: string;
  readonly input: S3Location;
  readonly output?: S3Location;
  readonly ladder: LadderPresetName | readonly RungRequest[];
  readonly formats: readonly OutputFormat[];
  /** The ladder in each of these codecs, H.264 first if asked (default `["h264"]`). */
  readonly codecs: readonly VideoCodec[];
  readonly thumbnails: false | { readonly intervalSeconds: number };
  readonly audio: AudioPolicy;
  readonly subtitles: SubtitlePolicy;
  /** Normalize the audio's loudness to this target (two-pass EBU R128); absent: as it is. */
  readonly loudness?: { readonly targetLufs: number; readonly truePeakDb: number };
  /** An HTTPS URL that hears the job's end: a signed POST of its event (README "Job events"). */
  readonly webhook?: string;
}

/**
 * What to do with the source's audio: `auto` encodes it when it can be decoded and otherwise
 * goes on without it, saying so in the record; `required` fails a source whose audio cannot be
 * decoded (or that has none); `none` leaves audio out.
 */
export type AudioPolicy = 'auto' | 'required' | 'none';

/**
 * `auto`: the source's text subtitle tracks and the CEA-608 captions in its video become WebVTT
 * (HLS subtitle renditions and sidecar files); `none`: no subtitles, and no captions carried in
 * the video.
 */
export type SubtitlePolicy = 'auto' | 'none';

export interface RungRequest {
  readonly height: number;
  readonly videoBitrateKbps?: number;
  readonly audioBitrateKbps?: number;
}

export type OutputFormat = 'hls' | 'mp4';

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const DEFAULT_THUMBNAIL_INTERVAL_SECONDS = 10;

const presetNames = Object.keys(LADDER_PRESETS) as [LadderPresetName, ...LadderPresetName[]];

const Rung = z.strictObject({
  height: z
    .int()
    .min(LIMITS.minRungHeight)
    .max(LIMITS.maxRungHeight)
    .refine((h) => h % 2 === 0, 'must be even'),
  videoBitrateKbps: z.int().min(LIMITS.minVideoKbps).max(LIMITS.maxVideoKbps).optional(),
  audioBitrateKbps: z.int().min(LIMITS.minAudioKbps).max(LIMITS.maxAudioKbps).optional(),
});

const MessageSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (the only message version this worker reads)' }),
  jobId: z
    .string()
    .regex(
      JOB_ID_PATTERN,
      'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
    )
    .optional(),
  input: s3UriSchema({ prefix: false }),
  output: s3UriSchema({ prefix: true }).optional(),
  ladder: z
    .union(
      [
        z.enum(presetNames),
        z
          .array(Rung)
          .min(1)
          .max(LIMITS.maxRungs)
          .refine(
            (rungs) => new Set(rungs.map((r) => r.height)).size === rungs.length,
            'rung heights must be unique',
          ),
      ],
      {
        error: `must be a preset name (${presetNames.join(', ')}) or a list of rungs like [{"height": 720}]`,
      },
    )
    .default('standard'),
  formats: z
    .array(z.enum(['hls', 'mp4']))
    .min(1)
    .refine((f) => new Set(f).size === f.length, 'must not repeat a format')
    .default(['hls', 'mp4']),
  codecs: z
    .array(z.enum(VIDEO_CODECS, { error: `must be one of ${VIDEO_CODECS.join(', ')}` }))
    .min(1)
    .refine((c) => new Set(c).size === c.length, 'must not repeat a codec')
    .default(['h264']),
  thumbnails: z
    .union([z.boolean(), z.strictObject({ intervalSeconds: z.number().min(1).max(3600) })], {
      error: 'must be true, false or {"intervalSeconds": <1-3600>}',
    })
    .default(false)
    .transform((t) =>
      t === false
        ? false
        : { intervalSeconds: t === true ? DEFAULT_THUMBNAIL_INTERVAL_SECONDS : t.intervalSeconds },
    ),
  audio: z
    .enum(['auto', 'required', 'none'], { error: 'must be "auto", "required" or "none"' })
    .default('auto'),
  subtitles: z.enum(['auto', 'none'], { error: 'must be "auto" or "none"' }).default('auto'),
  loudness: z
    .strictObject({
      targetLufs: z.number().min(-70).max(-5),
      truePeakDb: z.number().min(-9).max(0).default(-1.5),
    })
    .optional(),
  webhook: z
    .url({ protocol: /^https?$/, error: 'must be an https:// URL, at most 2048 characters' })
    .max(2048)
    .optional(),
});

/**
 * Parses and validates a message body. The error says, for a person, every way the body is
 * wrong (`input: must be an S3 URI like ...; formats: ...`).
 */
export function parseJobMessage(body: string, maxBytes: number): Parsed<JobRequest> {
  const size = Buffer.byteLength(body, 'utf8');
  if (size > maxBytes) {
    return { ok: false, error: `message body is ${size} bytes; the limit is ${maxBytes}` };
  }
  let json: unknown;
  try {
    // A leading byte-order mark is what some tools write before UTF-8 JSON; it is not content.
    json = JSON.parse(body.startsWith('\uFEFF') ? body.slice(1) : body);
  } catch (err) {
    return { ok: false, error: `message body is not JSON (${(err as Error).message})` };
  }
  const checked = validateJobMessage(json);
  if (!checked.ok) {
    return {
      ok: false,
      error:
        checked.problems[0]?.field === ''
          ? `message body ${checked.problems[0].message}`
          : `invalid job message: ${checked.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    };
  }
  return checked;
}

export interface FieldProblem {
  /** Dotted path (`ladder.0.height`), `message` for the object itself, '' for the whole body. */
  readonly field: string;
  readonly message: string;
}

/** Validates an already-parsed body against the contract, naming every bad field. */
export function validateJobMessage(
  json: unknown,
): { ok: true; value: JobRequest } | { ok: false; problems: FieldProblem[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      problems: [{ field: '', message: `must be a JSON object, got ${describeJson(json)}` }],
    };
  }
  const parsed = MessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: issuesToProblems(parsed.error.issues, json) };
}

/** Zod issues as field problems a person can read (`is required`, `unknown field "x"`). */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
): FieldProblem[] {
  return issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'message';
    if (issue.code === 'unrecognized_keys') {
      return {
        field,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      };
    }
    if (issue.code === 'invalid_type' && valueAt(root, issue.path) === undefined) {
      return { field, message: 'is required' };
    }
    return { field, message: issue.message };
  });
}

/** The contract as JSON Schema (what a client sends), for the API's OpenAPI document. */
export function jobMessageJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(MessageSchema, { io: 'input', unrepresentable: 'any' });
}

/**
 * The jobId a malformed body asks for, when it names a well-formed one, so `status <jobId>`
 * finds the failure; otherwise undefined and the SQS MessageId is used.
 */
export function jobIdHint(body: string): string | undefined {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === 'object' && json !== null && 'jobId' in json) {
      const id = json.jobId;
      if (typeof id === 'string' && JOB_ID_PATTERN.test(id)) return id;
    }
  } catch {
    // not JSON: no hint
  }
  return undefined;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * A parsed request as a message body again (S3 URIs as strings, defaults written out): what a
 * dead-letter copy of a job carries when the message that failed was one of its own tasks, so
 * that a redrive runs the job again.
 */
export function jobMessageBody(request: JobRequest): string {
  return JSON.stringify({
    ...request,
    input: formatS3Uri(request.input),
    ...(request.output ? { output: formatS3Uri(request.output) } : {}),
  });
}
