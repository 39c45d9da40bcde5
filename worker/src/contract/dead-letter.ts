/**
 * What a message in the dead-letter queue carries besides its body: the worker's reason, as
 * message attributes any consumer (the API's dead-letter view, `aws sqs receive-message`, an
 * alarm) can read without parsing the body.
 */
export const DLQ_ATTRIBUTES = {
  jobId: 'transcoder.job-id',
  reason: 'transcoder.reason',
  code: 'transcoder.error-code',
  sourceMessageId: 'transcoder.source-message-id',
  receiveCount: 'transcoder.receive-count',
  failedAt: 'transcoder.failed-at',
} as const;

/** Why a message went to the dead-letter queue. */
export interface DeadLetterReason {
  readonly jobId: string;
  readonly code: string;
  readonly message: string;
}
