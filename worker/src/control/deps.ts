import type { Clock } from '../base/time.ts';
import type { ControlConfig } from '../config/control.ts';
import type {
  ControlQueuePort,
  JobLedgerPort,
  OpenObject,
  SchedulerPort,
  UploadStore,
} from './ports.ts';

/** What every control use case is built from; the composition root (wiring/) fills it in. */
export interface ControlDeps {
  readonly config: ControlConfig;
  readonly ledger: JobLedgerPort;
  readonly queue: ControlQueuePort;
  /** Absent when no scheduler role is configured (local runs): schedules are then refused. */
  readonly scheduler?: SchedulerPort;
  /** Where clients upload sources (presigned PUTs and multipart uploads). */
  readonly uploadStore: UploadStore;
  readonly openObject: OpenObject;
  readonly clock: Clock;
  readonly newId?: () => string;
}
