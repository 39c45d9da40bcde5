import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The ledger's single DynamoDB table. Job records live at `job#<jobId>`; the stats are spread
 * over a fixed number of counter items (`stats#0` ...), each transition adding its delta to
 * one of them, so concurrent workers rarely contend on one item and a read is one BatchGet.
 * Changing STATS_SHARDS on a live table would hide counts: it is fixed.
 */
export const KEY = 'pk';
export const STATS_SHARDS = 8;

export const jobKey = (jobId: string) => ({ [KEY]: `job#${jobId}` });
export const statsKey = (shard: number) => ({ [KEY]: `stats#${shard}` });

/** The table definition used by the local stack and mirrored by the deployment (ACK Table). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: KEY, KeyType: 'HASH' }],
  };
}
