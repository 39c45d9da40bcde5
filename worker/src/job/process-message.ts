import { DLQ_ATTRIBUTES } from '../contract/dead-letter.ts';
import {
  JOB_ID_PATTERN,
  jobIdHint,
  parseJobMessage,
  type JobRequest,
} from '../contract/message.ts';
import type { Parsed } from '../contract/s3-uri.ts';
import { parseTaskMessage, taskName } from '../contract/task.ts';
import { processTask } from './run-task.ts';
import { childOf } from '../contract/s3-uri.ts';
import { claimJob } from './claim.ts';
import type { JobContext, JobSettings, MessageOutcome } from './base/context.ts';
import type { ReceivedMessage, WorkerDeps } from './base/ports.ts';
import { rejectMessage } from './reject.ts';
import { runClaimed } from './run-claimed.ts';

/**
 * Handles one received message to the end, one step per file: a split job's task goes to
 * run-task.ts; otherwise parse (a body that is not a job is rejected: reject.ts) -> claim (claim.ts) -> run under a heartbeat and record the success
 * (run-claimed.ts, run-job.ts) -> or settle the failure (settle-failure.ts): delete, delay, or
 * dead-letter. Throws only when the message could not be settled at all (SQS unreachable); it
 * then reappears when its visibility timeout runs out.
 */
export async function processMessage(
  deps: WorkerDeps,
  settings: JobSettings,
  message: ReceivedMessage,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const task = parseTaskMessage(message.body);
  if (task?.ok) {
    const log = deps.logger.child({
      jobId: task.value.jobId,
      task: taskName(task.value.task),
      messageId: message.messageId,
      receiveCount: message.receiveCount,
    });
    return processTask(
      { deps, settings, message, jobId: task.value.jobId, log },
      task.value,
      shutdown,
    );
  }
  const parsed: Parsed<JobRequest> =
    task ?? parseJobMessage(message.body, settings.maxMessageBytes);
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
  const ctx: JobContext = { deps, settings, message, jobId, log };
  if (!parsed.ok) return rejectMessage(ctx, parsed.error);

  const request = parsed.value;
  const output = request.output ?? childOf(settings.output, `${jobId}/`);
  const claim = await claimJob(ctx, request, output, shutdown);
  if (claim.kind === 'settled') return claim.outcome;
  return runClaimed(ctx, request, output, claim.record, shutdown);
}
