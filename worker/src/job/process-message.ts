import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { describeError, InvalidMediaError, LeaseLostError } from '../errors.ts';
import {
  decideClaim,
  decideFailure,
  decideRejected,
  decideSuccess,
  type JobProgress,
  type JobRecord,
} from '../ledger/job-record.ts';
import type { TranscodeResult } from '../transcode/transcoder.ts';
import { startHeartbeat, type RecordHolder } from './heartbeat.ts';
import { JOB_ID_PATTERN, jobIdHint, parseJobMessage, type JobRequest } from './message.ts';
import { DLQ_ATTRIBUTES, UNKNOWN_RECORD, type ReceivedMessage, type WorkerDeps } from './ports.ts';
import { deliverPendingEvents, shouldNotify } from './notify.ts';
import { decideFailureAction } from './retry-policy.ts';
import { childOf, formatS3Uri, type S3Location } from './s3-uri.ts';
import { checkFreeSpace, createWorkDir, sourceExtension } from './work-dir.ts';

export type JobSettings = Pick<
  Config,
  | 'output'
  | 'maxReceiveCount'
  | 'retryDelaySeconds'
  | 'retryDelayMaxSeconds'
  | 'visibilityTimeoutSeconds'
  | 'heartbeatSeconds'
  | 'shutdownGraceSeconds'
  | 'workDir'
  | 'workerId'
  | 'maxMessageBytes'
  | 'maxInputBytes'
  | 'outputSizeFactor'
  | 'recordTtlSeconds'
  | 'eventsSource'
>;

/** How one message ended. Every one of these leaves the message in a defined place. */
export type MessageOutcome =
  | 'succeeded' // recorded SUCCEEDED, message deleted
  | 'duplicate' // the job had already succeeded: message deleted, nothing redone
  | 'busy' // another worker holds a live lease: message left alone
  | 'retry-scheduled' // attempt recorded, message visible again after the backoff delay
  | 'dead-lettered' // recorded FAILED, message copied to the DLQ and deleted
  | 'abandoned'; // another worker took the job over mid-way: nothing touched

/** What a finished job records: where everything went, how big, how long it took. */
export interface JobResultSummary {
  readonly output: string;
  readonly master?: string;
  readonly poster: string;
  readonly durationSeconds: number;
  readonly source: {
    readonly bytes: number;
    readonly container: string;
    readonly codec: string;
    readonly width: number;
    readonly height: number;
    readonly frameRate: number;
    /** Whether the outputs carry the source's audio. */
    readonly audio: boolean;
    /** Where the probe did not take the container's word (frame rate, duration, tracks). */
    readonly notes?: readonly string[];
  };
  /** What the person who sent the job should know about the outputs (audio left out, ...). */
  readonly warnings?: readonly string[];
  readonly renditions: readonly {
    readonly name: string;
    readonly width: number;
    readonly height: number;
    readonly codecs: string;
    readonly averageBitrateKbps: number;
    readonly peakBitrateKbps: number;
    readonly mp4?: { readonly uri: string; readonly bytes: number };
    readonly hls?: { readonly playlist: string; readonly segments: number; readonly bytes: number };
  }[];
  readonly files: number;
  readonly bytes: number;
  readonly timings: {
    readonly downloadMs: number;
    readonly transcodeMs: number;
    readonly uploadMs: number;
  };
}

/** Events get at most this long after a job ends (the message is hidden for longer meanwhile). */
const DELIVERY_TIMEOUT_MS = 100_000;

/** Lease shorter than the visibility timeout, so a redelivered message finds it expired. */
export function leaseMs(settings: Pick<JobSettings, 'visibilityTimeoutSeconds'>): number {
  const visibility = settings.visibilityTimeoutSeconds * 1000;
  return visibility - Math.min(5000, Math.floor(visibility / 10));
}

interface Context {
  readonly deps: WorkerDeps;
  readonly settings: JobSettings;
  readonly message: ReceivedMessage;
  readonly jobId: string;
  readonly log: Logger;
}

/**
 * Handles one received message to the end: claim, run, record, and settle the message
 * (delete, delay, or dead-letter). Throws only when the message could not be settled at all
 * (SQS unreachable); it then reappears when its visibility timeout runs out.
 */
export async function processMessage(
  deps: WorkerDeps,
  settings: JobSettings,
  message: ReceivedMessage,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const parsed = parseJobMessage(message.body, settings.maxMessageBytes);
  const fromAttribute = message.attributes[DLQ_ATTRIBUTES.jobId];
  const jobId =
    (parsed.ok ? parsed.value.jobId : jobIdHint(message.body)) ??
    (fromAttribute && JOB_ID_PATTERN.test(fromAttribute) ? fromAttribute : undefined) ??
    message.messageId;
  const log = deps.logger.child({
    jobId,
    messageId: message.messageId,
    receiveCount: message.receiveCount,
  });
  const ctx: Context = { deps, settings, message, jobId, log };
  if (!parsed.ok) return rejectMessage(ctx, parsed.error);
  return runClaimed(ctx, parsed.value, shutdown);
}

/** A body that is not a job: DLQ with the reason, FAILED in the ledger, delete. */
async function rejectMessage(ctx: Context, reason: string): Promise<MessageOutcome> {
  const { deps, message, jobId, log } = ctx;
  log.warn({ reason }, 'message rejected');
  const signal = settleSignal(ctx.settings);
  await deps.queue.deadLetter(message, { jobId, code: 'INVALID_MESSAGE', message: reason }, signal);
  try {
    const result = await deps.ledger.transition(
      jobId,
      (current) =>
        decideRejected(current, {
          jobId,
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          workerId: ctx.settings.workerId,
          now: deps.clock.now(),
          error: { code: 'INVALID_MESSAGE', message: reason },
          body: message.body,
          ...ttl(ctx.settings),
          notify: shouldNotify(deps, undefined),
        }),
      { known: UNKNOWN_RECORD, signal },
    );
    if (result.kind === 'recorded') await deliverEvents(ctx, result.record);
    if (result.kind === 'unchanged') {
      log.warn(
        { status: result.record.status },
        'job record left as is: a bad message cannot overwrite it',
      );
    }
  } catch (err) {
    log.error(
      { err },
      'rejected message not recorded in the ledger; the DLQ copy carries the reason',
    );
  }
  await deps.queue.ack(message.receiptHandle, signal);
  return 'dead-lettered';
}

async function runClaimed(
  ctx: Context,
  request: JobRequest,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const output = request.output ?? childOf(settings.output, `${jobId}/`);
  let claim;
  try {
    claim = await deps.ledger.transition(
      jobId,
      (current) =>
        decideClaim(current, {
          jobId,
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          workerId: settings.workerId,
          now: deps.clock.now(),
          leaseMs: leaseMs(settings),
          input: formatS3Uri(request.input),
          output: formatS3Uri(output),
          request,
        }),
      // Most messages start a new job: try the create first, learn otherwise from ALL_OLD.
      { known: undefined, signal: shutdown },
    );
  } catch (err) {
    const cause: unknown = shutdown.aborted ? shutdown.reason : err;
    log.warn({ err: cause }, 'claim failed');
    return settleFailure(ctx, cause, undefined);
  }

  switch (claim.kind) {
    case 'duplicate':
      log.info('duplicate delivery of a finished job; deleting the message');
      // Its worker may have died before the events went out.
      await deliverEvents(ctx, claim.record, shutdown);
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return 'duplicate';
    case 'already-failed':
      // This very message already failed and was copied to the DLQ; only the delete was lost.
      log.info('redelivery of a message that already failed; deleting it');
      await deliverEvents(ctx, claim.record, shutdown);
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return 'dead-lettered';
    case 'busy':
      log.info(
        { leaseOwner: claim.record.lease?.owner },
        'job is running elsewhere; leaving the message',
      );
      return 'busy';
    case 'claimed':
      break;
  }

  log.info({ attempt: claim.record.attempts, input: formatS3Uri(request.input) }, 'job claimed');
  const holder: RecordHolder = { record: claim.record };
  const leaseLost = new AbortController();
  const signal = AbortSignal.any([shutdown, leaseLost.signal]);
  let latest: JobProgress | undefined;
  let lastLogged = { percent: -100, at: 0 };
  const heartbeat = startHeartbeat({
    queue: deps.queue,
    ledger: deps.ledger,
    clock: deps.clock,
    logger: log,
    receiptHandle: message.receiptHandle,
    holder,
    workerId: settings.workerId,
    periodSeconds: settings.heartbeatSeconds,
    visibilitySeconds: settings.visibilityTimeoutSeconds,
    leaseMs: leaseMs(settings),
    progress: () => latest,
    onLeaseLost: () => leaseLost.abort(new LeaseLostError('another worker took over the job')),
  });

  try {
    const summary = await runJob(ctx, request, output, signal, (p) => {
      latest = p;
      if (p.stage !== 'transcoding') return;
      const now = deps.clock.now();
      if (p.percent - lastLogged.percent >= 10 || now - lastLogged.at >= 30_000) {
        lastLogged = { percent: p.percent, at: now };
        log.info({ percent: p.percent, speed: p.speed }, 'transcode progress');
      }
    });
    await heartbeat.stop();
    const done = await deps.ledger.transition(
      jobId,
      (current) =>
        decideSuccess(current, {
          workerId: settings.workerId,
          now: deps.clock.now(),
          result: summary,
          ...ttl(settings),
          notify: shouldNotify(deps, request),
        }),
      { known: holder.record, signal: settleSignal(settings) },
    );
    if (done.kind === 'lease-lost') {
      log.warn(
        'finished, but another worker owns the job now; leaving the record and message to it',
      );
      return 'abandoned';
    }
    log.info(
      { output: summary.output, renditions: summary.renditions.length, timings: summary.timings },
      'job succeeded',
    );
    await deliverEvents(ctx, done.record, shutdown);
    try {
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
    } catch (err) {
      log.warn({ err }, 'message not deleted; its redelivery will be seen as a duplicate');
    }
    return 'succeeded';
  } catch (err) {
    await heartbeat.stop();
    const cause: unknown = signal.aborted ? signal.reason : err;
    return settleFailure(ctx, cause, holder);
  }
}

/** Records the failed attempt and puts the message where the retry decision says. */
async function settleFailure(
  ctx: Context,
  err: unknown,
  holder: RecordHolder | undefined,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const info = describeError(err);
  const action = decideFailureAction(err, info.retryable, message.receiveCount, settings);
  const signal = settleSignal(settings);
  if (action.kind === 'abandon') {
    log.warn({ err }, 'attempt abandoned');
    return 'abandoned';
  }
  const record = async (final: boolean, outcome: 'retry' | 'failed' | 'interrupted') => {
    if (!holder) return false;
    try {
      const result = await deps.ledger.transition(
        jobId,
        (current) =>
          decideFailure(current, {
            workerId: settings.workerId,
            now: deps.clock.now(),
            final,
            outcome,
            error: info,
            ...ttl(settings),
            notify: final && shouldNotify(deps, holder.record.request),
          }),
        { known: holder.record, signal },
      );
      if (result.kind === 'ok') holder.record = result.record;
      return result.kind === 'ok';
    } catch (recordErr) {
      log.error({ err: recordErr }, 'failed attempt not recorded in the ledger');
      return false;
    }
  };

  if (action.kind === 'dead-letter') {
    log.error({ err, code: info.code, reason: info.message }, 'job failed');
    // DLQ first: once the copy exists the record may say FAILED, and a lost delete is harmless.
    await deps.queue.deadLetter(message, { jobId, code: info.code, message: info.message }, signal);
    if ((await record(true, 'failed')) && holder) await deliverEvents(ctx, holder.record);
    await deps.queue.ack(message.receiptHandle, signal);
    return 'dead-lettered';
  }

  const recorded = await record(false, action.outcome);
  let delay = action.delaySeconds;
  const lease = holder?.record.lease;
  if (!recorded && lease) {
    // The record still shows our lease: come back only once it has run out.
    delay = Math.max(delay, Math.ceil((lease.expiresAt - deps.clock.now()) / 1000));
  }
  log.warn(
    { err, code: info.code, delaySeconds: delay },
    action.outcome === 'interrupted'
      ? 'job interrupted; message released'
      : 'attempt failed; retry scheduled',
  );
  await deps.queue.changeVisibility(message.receiptHandle, delay, signal);
  return 'retry-scheduled';
}

async function runJob(
  ctx: Context,
  request: JobRequest,
  output: S3Location,
  signal: AbortSignal,
  onProgress: (p: JobProgress) => void,
): Promise<JobResultSummary> {
  const { deps, settings, jobId, log } = ctx;
  const dir = await createWorkDir(settings.workDir, jobId);
  try {
    const head = await deps.storage.head(request.input, signal);
    if (head.size === 0) throw new InvalidMediaError('the source is an empty file (0 bytes)');
    if (head.size > settings.maxInputBytes) {
      throw new InvalidMediaError(
        `the source is ${head.size} bytes; the limit is ${settings.maxInputBytes} (MAX_INPUT_BYTES)`,
      );
    }
    await checkFreeSpace(dir.root, head.size, settings.outputSizeFactor);

    const sourcePath = dir.sourcePath(sourceExtension(request.input.key));
    onProgress({ stage: 'downloading', percent: 0 });
    let t = deps.clock.now();
    await deps.storage.download(request.input, sourcePath, head, signal);
    const downloadMs = deps.clock.now() - t;
    log.info({ bytes: head.size, ms: downloadMs }, 'source downloaded');

    t = deps.clock.now();
    const result = await deps.transcoder.transcode({
      sourcePath,
      outDir: dir.outDir,
      request,
      signal,
      onProgress: (p) => onProgress({ stage: 'transcoding', ...p }),
    });
    const transcodeMs = deps.clock.now() - t;
    log.info({ renditions: result.renditions.map((r) => r.name), ms: transcodeMs }, 'transcoded');
    if (result.warnings.length > 0)
      log.warn({ warnings: result.warnings }, 'transcoded with warnings');

    onProgress({
      stage: 'uploading',
      percent: 100,
      rungs: result.renditions.map((r) => r.name),
    });
    t = deps.clock.now();
    await deps.storage.uploadAll(
      result.files.map((f) => ({
        path: f.path,
        location: childOf(output, f.relativeKey),
        contentType: f.contentType,
        cacheControl: f.cacheControl,
      })),
      signal,
    );
    const uploadMs = deps.clock.now() - t;
    log.info({ files: result.files.length, ms: uploadMs }, 'outputs uploaded');
    return summarize(output, head.size, result, { downloadMs, transcodeMs, uploadMs });
  } finally {
    await dir.remove().catch((err: unknown) => log.warn({ err }, 'work directory not removed'));
  }
}

function summarize(
  output: S3Location,
  sourceBytes: number,
  result: TranscodeResult,
  timings: JobResultSummary['timings'],
): JobResultSummary {
  const uri = (relativeKey: string) => formatS3Uri(childOf(output, relativeKey));
  const { video } = result.source;
  return {
    output: formatS3Uri(output),
    ...(result.masterPlaylist ? { master: uri(result.masterPlaylist) } : {}),
    poster: uri(result.poster),
    durationSeconds: result.source.durationSeconds,
    source: {
      bytes: sourceBytes,
      container: result.source.formatName,
      codec: video.codec,
      width: video.displayWidth,
      height: video.displayHeight,
      frameRate: Math.round(video.frameRate * 1000) / 1000,
      audio: result.audio === 'encoded',
      ...(result.source.notes.length > 0 ? { notes: result.source.notes } : {}),
    },
    ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    renditions: result.renditions.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      codecs: r.codecs,
      averageBitrateKbps: r.averageBitrateKbps,
      peakBitrateKbps: r.peakBitrateKbps,
      ...(r.mp4 ? { mp4: { uri: uri(r.mp4.key), bytes: r.mp4.size } } : {}),
      ...(r.hls
        ? { hls: { playlist: uri(r.hls.playlist), segments: r.hls.segments, bytes: r.hls.bytes } }
        : {}),
    })),
    files: result.files.length,
    bytes: result.files.reduce((sum, f) => sum + f.size, 0),
    timings,
  };
}

/**
 * A finished job's events (notify.ts), within a bounded time that a shutdown cuts short: then
 * they stay pending, and the message's redelivery sends them.
 */
async function deliverEvents(
  ctx: Context,
  record: JobRecord,
  shutdown?: AbortSignal,
): Promise<void> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    ...(shutdown ? [shutdown] : []),
  ]);
  await deliverPendingEvents(ctx.deps, ctx.settings, record, ctx.log, {
    receiptHandle: ctx.message.receiptHandle,
    signal,
  });
}

function ttl(settings: Pick<JobSettings, 'recordTtlSeconds'>): { ttlSeconds?: number } {
  return settings.recordTtlSeconds === undefined ? {} : { ttlSeconds: settings.recordTtlSeconds };
}

/** SDK calls that settle the message run after a shutdown too, bounded by the grace period. */
function settleSignal(settings: Pick<JobSettings, 'shutdownGraceSeconds'>): AbortSignal {
  return AbortSignal.timeout(Math.max(1000, (settings.shutdownGraceSeconds - 2) * 1000));
}
