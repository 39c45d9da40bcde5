import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { BadRequestError, classifyAwsError, TransientError } from '../base/errors.ts';
import {
  isZero,
  statsDelta,
  ZERO_STATS,
  type Decision,
  type JobRecord,
  type JobStatus,
  type Stats,
} from '../record/job-record.ts';
import type { JobLedgerPort } from '../control/ports.ts';
import type { LedgerPort } from '../job/base/ports.ts';
import { UNKNOWN_RECORD } from '../record/store.ts';
import {
  idempotencyKey,
  INDEX,
  indexKeys,
  jobKey,
  KEY,
  STATS_SHARDS,
  statsKey,
} from '../contract/table.ts';
import { sleep } from '../base/time.ts';

/**
 * Conflicting writes before a transition gives up. A split job's tasks end on the same record
 * (up to one per chunk at about the same moment); every lost race means another writer won,
 * so this bounds the wait, not the progress.
 */
const MAX_TRANSITION_TRIES = 24;

/**
 * The DynamoDB adapter: job records and the stats counters. Every change goes through
 * `transition`: a pure decision on the current record, written with a condition on the
 * version that decision saw, in the same transaction as its stats delta. A lost race returns
 * the winner's record (ReturnValuesOnConditionCheckFailure: ALL_OLD) and the decision is
 * made again on it, so no second read is needed.
 */
export class DynamoLedger implements LedgerPort, JobLedgerPort {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.#table = tableName;
  }

  async get(jobId: string, signal?: AbortSignal): Promise<JobRecord | undefined> {
    try {
      const out = await this.#doc.send(
        new GetCommand({ TableName: this.#table, Key: jobKey(jobId), ConsistentRead: true }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
      return out.Item ? fromItem(out.Item) : undefined;
    } catch (err) {
      throw classifyAwsError(err, 'DynamoDB GetItem');
    }
  }

  /**
   * Applies `decide` to the job's current record and writes its result conditionally.
   * `known` is the caller's belief about the current record (saves the read in the common
   * case); pass UNKNOWN_RECORD to read first.
   */
  async transition<R>(
    jobId: string,
    decide: (current: JobRecord | undefined) => Decision<R>,
    options: { known: JobRecord | undefined | typeof UNKNOWN_RECORD; signal?: AbortSignal },
  ): Promise<R> {
    let current =
      options.known === UNKNOWN_RECORD ? await this.get(jobId, options.signal) : options.known;
    for (let attempt = 1; ; attempt++) {
      const decision = decide(current);
      if (!decision.write) return decision.result;
      const outcome = await this.#write(current, decision.write, options.signal);
      if (outcome.kind === 'written') return decision.result;
      if (attempt >= MAX_TRANSITION_TRIES) {
        throw new TransientError(
          `job ${jobId}: gave up after ${attempt} conflicting writes to its record`,
        );
      }
      if (outcome.kind === 'conflict') {
        await sleep(20 * attempt + Math.random() * 50 * attempt);
        current = await this.get(jobId, options.signal);
      } else {
        // Lost to another writer: a short random pause past the third loss spreads a crowd.
        if (attempt >= 3) await sleep(Math.random() * 10 * attempt);
        current = outcome.current ?? (await this.get(jobId, options.signal));
      }
    }
  }

  /**
   * Jobs newest first, from an index (never a scan), optionally of one status. The cursor is
   * opaque to callers: the index position to continue from.
   */
  async list(
    options: { status?: JobStatus; limit: number; cursor?: string },
    signal?: AbortSignal,
  ): Promise<{ items: JobRecord[]; cursor?: string }> {
    const index = options.status ? INDEX.byStatus : INDEX.byCreated;
    const partition = options.status ? `status#${options.status}` : 'job';
    let start: Record<string, unknown> | undefined;
    if (options.cursor) {
      try {
        start = JSON.parse(Buffer.from(options.cursor, 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        if (typeof start !== 'object' || start === null || typeof start[KEY] !== 'string')
          throw new Error('shape');
      } catch {
        throw new BadRequestError('cursor is not one this API returned', { code: 'BAD_CURSOR' });
      }
    }
    try {
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: index.name,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': index.partition },
          ExpressionAttributeValues: { ':p': partition },
          ScanIndexForward: false,
          Limit: options.limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
      const next = out.LastEvaluatedKey;
      return {
        items: (out.Items ?? []).map(fromItem),
        ...(next ? { cursor: Buffer.from(JSON.stringify(next)).toString('base64url') } : {}),
      };
    } catch (err) {
      throw classifyAwsError(err, 'DynamoDB Query (job list)');
    }
  }

  /**
   * Reserves an idempotency key for a job: the first caller gets `claimed`, a repeat gets the
   * job the key already names (and the fingerprint of the request that named it).
   */
  async claimIdempotencyKey(
    key: string,
    value: { jobId: string; fingerprint: string; expiresAt: number },
    /** Epoch seconds: a key that expired before this is free again. */
    now: number,
    signal?: AbortSignal,
  ): Promise<{ kind: 'claimed' } | { kind: 'existing'; jobId: string; fingerprint: string }> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...idempotencyKey(key), ...value },
          // A key past its expiry is free again, whether or not DynamoDB's TTL has removed it.
          ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#key': KEY, '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
      return { kind: 'claimed' };
    } catch (err) {
      const e = err as { name?: string; Item?: Record<string, AttributeValue> };
      if (e.name === 'ConditionalCheckFailedException') {
        const old = e.Item ? unmarshallMaybe(e.Item) : {};
        return { kind: 'existing', jobId: String(old.jobId), fingerprint: String(old.fingerprint) };
      }
      throw classifyAwsError(err, 'DynamoDB PutItem (idempotency key)');
    }
  }

  /** Exact counts, O(1): a consistent BatchGet of the fixed counter shards. */
  async stats(signal?: AbortSignal): Promise<Stats> {
    let keys: Record<string, unknown>[] = Array.from({ length: STATS_SHARDS }, (_, i) =>
      statsKey(i),
    );
    const totals = { ...ZERO_STATS };
    try {
      for (let round = 0; keys.length > 0; round++) {
        if (round > 0) await sleep(Math.min(1000, 50 * 2 ** round));
        const out = await this.#doc.send(
          new BatchGetCommand({
            RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } },
          }),
          { ...(signal ? { abortSignal: signal } : {}) },
        );
        for (const item of out.Responses?.[this.#table] ?? []) {
          totals.succeeded += num(item.succeeded);
          totals.failed += num(item.failed);
          totals.running += num(item.running);
          totals.retries += num(item.retries);
        }
        keys = out.UnprocessedKeys?.[this.#table]?.Keys ?? [];
      }
    } catch (err) {
      throw classifyAwsError(err, 'DynamoDB BatchGetItem (stats)');
    }
    return totals;
  }

  async #write(
    before: JobRecord | undefined,
    after: JobRecord,
    signal: AbortSignal | undefined,
  ): Promise<
    { kind: 'written' } | { kind: 'stale'; current: JobRecord | undefined } | { kind: 'conflict' }
  > {
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > = before
      ? {
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': before.version },
        }
      : {
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': KEY },
        };
    const put = {
      TableName: this.#table,
      Item: { ...after, ...indexKeys(after), ...jobKey(after.jobId) },
      ...condition,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const delta = statsDelta(before, after);
    const sendOptions = signal ? { abortSignal: signal } : {};
    try {
      if (isZero(delta)) {
        await this.#doc.send(new PutCommand(put), sendOptions);
      } else {
        await this.#doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              {
                Update: {
                  TableName: this.#table,
                  Key: statsKey(Math.floor(Math.random() * STATS_SHARDS)),
                  UpdateExpression: 'ADD succeeded :s, failed :f, running :r, retries :t',
                  ExpressionAttributeValues: {
                    ':s': delta.succeeded,
                    ':f': delta.failed,
                    ':r': delta.running,
                    ':t': delta.retries,
                  },
                },
              },
            ],
          }),
          sendOptions,
        );
      }
      return { kind: 'written' };
    } catch (err) {
      const e = err as {
        name?: string;
        Item?: Record<string, AttributeValue>;
        CancellationReasons?: { Code?: string; Item?: Record<string, AttributeValue> }[];
      };
      if (e.name === 'ConditionalCheckFailedException') {
        return { kind: 'stale', current: e.Item ? fromItem(unmarshallMaybe(e.Item)) : undefined };
      }
      if (e.name === 'TransactionCanceledException') {
        const reasons = e.CancellationReasons ?? [];
        const first = reasons[0];
        if (first?.Code === 'ConditionalCheckFailed') {
          return {
            kind: 'stale',
            current: first.Item ? fromItem(unmarshallMaybe(first.Item)) : undefined,
          };
        }
        if (reasons.some((r) => r.Code === 'TransactionConflict')) return { kind: 'conflict' };
      }
      throw classifyAwsError(err, 'DynamoDB write of the job record');
    }
  }
}

function fromItem(item: Record<string, unknown>): JobRecord {
  const { [KEY]: _key, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...record } = item;
  return { history: [], ...record } as unknown as JobRecord;
}

/** Items in SDK errors come back in wire format even from the document client. */
function unmarshallMaybe(item: Record<string, unknown>): Record<string, unknown> {
  const sample = item[KEY];
  const wire = typeof sample === 'object' && sample !== null && 'S' in sample;
  return wire ? unmarshall(item as Record<string, AttributeValue>) : item;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0) || 0;
}
