import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The ledger's single DynamoDB table. Job records live at `job#<jobId>`; the stats are spread
 * over a fixed number of counter items (`stats#0` ...), each transition adding its delta to
 * one of them, so concurrent workers rarely contend on one item and a read is one BatchGet.
 * Changing STATS_SHARDS on a live table would hide counts: it is fixed. Idempotency keys of
 * the control API live at `idem#<key>`.
 *
 * Two indexes list jobs newest first without a scan: `by-created` (every job) and `by-status`
 * (one status). Their keys are derived from the record when it is written (indexKeys).
 */
export const KEY = 'pk';
export const STATS_SHARDS = 8;
export const INDEX = {
  byCreated: { name: 'by-created', partition: 'gsi1pk', sort: 'gsi1sk' },
  byStatus: { name: 'by-status', partition: 'gsi2pk', sort: 'gsi2sk' },
} as const;

export const jobKey = (jobId: string) => ({ [KEY]: `job#${jobId}` });
/** Whether a table item is a job record (not a stats counter or an idempotency key). */
export const isJobItem = (item: Record<string, unknown>) => String(item[KEY]).startsWith('job#');
export const statsKey = (shard: number) => ({ [KEY]: `stats#${shard}` });
export const idempotencyKey = (key: string) => ({ [KEY]: `idem#${key}` });

/** The index attributes of a job record: creation time then jobId, so ties sort stably. */
export function indexKeys(record: {
  readonly jobId: string;
  readonly status: string;
  readonly createdAt: string;
}): Record<string, string> {
  const sort = `${record.createdAt}#${record.jobId}`;
  return {
    [INDEX.byCreated.partition]: 'job',
    [INDEX.byCreated.sort]: sort,
    [INDEX.byStatus.partition]: `status#${record.status}`,
    [INDEX.byStatus.sort]: sort,
  };
}

/** The table definition used by the local stack and mirrored by the deployment (ACK Table). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const strings = [KEY, ...Object.values(INDEX).flatMap((i) => [i.partition, i.sort])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: strings.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: Object.values(INDEX).map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.partition, KeyType: 'HASH' },
        { AttributeName: i.sort, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}
