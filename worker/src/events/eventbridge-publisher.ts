import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { classifyAwsError, DependencyRejectedError, TransientError } from '../base/errors.ts';
import { JOB_EVENT_DETAIL_TYPE, type JobEvent } from '../record/job-event.ts';

/**
 * The EventBridge adapter: a job event on the deployment's bus, shaped as MediaConvert's are
 * ("MediaConvert Job State Change"): `source` the deployment, `detail-type` "Transcode Job State
 * Change", `detail` the event's data with its id, so rules can match on `detail.status`.
 */
export class EventBridgePublisher {
  readonly #events: EventBridgeClient;
  readonly #bus: string;

  constructor(events: EventBridgeClient, bus: string) {
    this.#events = events;
    this.#bus = bus;
  }

  async publish(event: JobEvent, signal?: AbortSignal): Promise<void> {
    let failed: { ErrorCode?: string; ErrorMessage?: string } | undefined;
    try {
      const out = await this.#events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.#bus,
              Source: event.source,
              DetailType: JOB_EVENT_DETAIL_TYPE,
              Time: new Date(event.time),
              Detail: JSON.stringify({ eventId: event.id, ...event.data }),
            },
          ],
        }),
        signal ? { abortSignal: signal } : {},
      );
      // PutEvents answers 200 with per-entry failures.
      if ((out.FailedEntryCount ?? 0) > 0) failed = out.Entries?.[0] ?? {};
    } catch (err) {
      throw classifyAwsError(err, `EventBridge PutEvents to ${this.#bus}`);
    }
    if (failed) {
      const message = `EventBridge PutEvents to ${this.#bus} failed: ${failed.ErrorCode ?? 'unknown'}: ${failed.ErrorMessage ?? ''}`;
      // Throttling and internal failures pass; anything else (access, size) will not.
      throw /Throttl|InternalFailure|ServiceUnavailable/.test(failed.ErrorCode ?? '')
        ? new TransientError(message)
        : new DependencyRejectedError(message);
    }
  }
}
