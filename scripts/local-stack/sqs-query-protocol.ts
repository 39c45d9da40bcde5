import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * SQS's older Query protocol (form-encoded `Action=SendMessage&...`, XML answers) in front of
 * fauxqs, which speaks only the JSON protocol that current SDKs use. Debian's AWS CLI (2.9)
 * still speaks Query to SQS, and people drop work with it, so the local stack translates every
 * `aws sqs` command a person types by hand (batches too): each request is re-issued to fauxqs as JSON, and its answer
 * written back as the XML the CLI expects. Form posts that are not one of these actions are
 * left to fauxqs (its SNS and STS routes).
 */
const ACTIONS = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'GetQueueUrl',
  'GetQueueAttributes',
  'ListQueues',
  'PurgeQueue',
]);
/** Actions whose answer has no result element, only the response metadata. */
const NO_RESULT = new Set(['DeleteMessage', 'ChangeMessageVisibility', 'PurgeQueue']);
const NUMBERS = new Set([
  'DelaySeconds',
  'MaxNumberOfMessages',
  'WaitTimeSeconds',
  'VisibilityTimeout',
  'MaxResults',
]);
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
};

export function registerSqsQueryProtocol(app: FastifyInstance): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    if (!String(request.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) return;
    const params = request.body as Record<string, string> | undefined;
    const action = params?.Action;
    if (!action || !ACTIONS.has(action)) return;
    const answer = await app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AmazonSQS.${action}`,
      },
      payload: JSON.stringify(queryToJson(params)),
    });
    const requestId = randomUUID();
    reply.status(answer.statusCode).header('content-type', 'text/xml');
    if (answer.statusCode >= 400) {
      const error = JSON.parse(answer.body || '{}') as { __type?: string; message?: string };
      const [code, type] = String(answer.headers['x-amzn-query-error'] ?? '').split(';');
      return reply.send(
        `<?xml version="1.0"?><ErrorResponse><Error><Type>${type || 'Sender'}</Type><Code>${escape(
          code || String(error.__type ?? 'InternalError').replace(/^.*#/, ''),
        )}</Code><Message>${escape(error.message ?? '')}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
    const result = JSON.parse(answer.body || '{}') as Record<string, unknown>;
    // An empty result is still an element (a receive from an empty queue): the CLI reads it.
    return reply.send(
      `<?xml version="1.0"?><${action}Response xmlns="http://queue.amazonaws.com/doc/2012-11-05/">${
        NO_RESULT.has(action) ? '' : `<${action}Result>${fields(result, action)}</${action}Result>`
      }<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    );
  });
}

/** `MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=b&...` to the JSON shape. */
export function queryToJson(params: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const attributes = new Map<string, Record<string, string>>();
  const entries = new Map<number, Record<string, string>>();
  for (const [key, value] of Object.entries(params)) {
    if (key === 'Action' || key === 'Version') continue;
    // Batch entries (`SendMessageBatchRequestEntry.2.MessageBody`): each one is a request of its own.
    const entry = /^\w+BatchRequestEntry\.(\d+)\.(.+)$/.exec(key);
    if (entry) {
      const n = Number(entry[1]);
      entries.set(n, { ...entries.get(n), [entry[2]!]: value });
      continue;
    }
    const list = /^(\w+)\.(\d+)$/.exec(key);
    if (list && LISTS[list[1]!]) {
      const name = LISTS[list[1]!]!;
      ((out[name] ??= []) as string[])[Number(list[2]) - 1] = value;
      continue;
    }
    const attribute = /^MessageAttribute\.(\d+)\.(Name|Value\.(\w+))$/.exec(key);
    if (attribute) {
      const entry = attributes.get(attribute[1]!) ?? {};
      entry[attribute[3] ?? 'Name'] = value;
      attributes.set(attribute[1]!, entry);
      continue;
    }
    out[key] = NUMBERS.has(key) ? Number(value) : value;
  }
  if (attributes.size) {
    out.MessageAttributes = Object.fromEntries(
      [...attributes.values()].map(({ Name, ...v }) => [Name, v]),
    );
  }
  if (entries.size) {
    out.Entries = [...entries.entries()].sort(([a], [b]) => a - b).map(([, e]) => queryToJson(e));
  }
  return out;
}

function fields(result: Record<string, unknown>, action: string): string {
  return Object.entries(result)
    .map(([key, value]) => {
      // Batch answers: one element per entry, done or failed, as SQS writes them.
      if (key === 'Successful' && Array.isArray(value))
        return value
          .map(
            (e) =>
              `<${action}ResultEntry>${message(e as Record<string, unknown>)}</${action}ResultEntry>`,
          )
          .join('');
      if (key === 'Failed' && Array.isArray(value))
        return value
          .map(
            (e) =>
              `<BatchResultErrorEntry>${message(e as Record<string, unknown>)}</BatchResultErrorEntry>`,
          )
          .join('');
      if (key === 'Attributes' && isMap(value)) return attributeList(value);
      if (key === 'QueueUrls' && Array.isArray(value))
        return value.map((u) => `<QueueUrl>${escape(String(u))}</QueueUrl>`).join('');
      if (key === 'Messages' && Array.isArray(value))
        return value
          .map((m) => `<Message>${message(m as Record<string, unknown>)}</Message>`)
          .join('');
      if (typeof value === 'object' && value !== null) return '';
      return `<${key}>${escape(String(value))}</${key}>`;
    })
    .join('');
}

function message(m: Record<string, unknown>): string {
  return Object.entries(m)
    .map(([key, value]) => {
      if (key === 'Attributes' && isMap(value)) return attributeList(value);
      if (key === 'MessageAttributes' && isMap(value))
        return Object.entries(value)
          .map(([name, v]) => {
            const a = v as Record<string, string>;
            return `<MessageAttribute><Name>${escape(name)}</Name><Value>${
              a.StringValue !== undefined
                ? `<StringValue>${escape(a.StringValue)}</StringValue>`
                : ''
            }<DataType>${escape(a.DataType ?? 'String')}</DataType></Value></MessageAttribute>`;
          })
          .join('');
      return `<${key}>${escape(String(value))}</${key}>`;
    })
    .join('');
}

function attributeList(map: Record<string, unknown>): string {
  return Object.entries(map)
    .map(
      ([k, v]) =>
        `<Attribute><Name>${escape(k)}</Name><Value>${escape(String(v))}</Value></Attribute>`,
    )
    .join('');
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escape(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
