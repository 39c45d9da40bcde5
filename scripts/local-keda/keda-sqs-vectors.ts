/**
 * KEDA's aws-sqs-queue scaler vectors (aws_sqs_queue_scaler_test.go): the trigger's metadata as
 * KEDA parses it, and the metric it reads from the queue's attributes.
 */
/** parseAwsSqsQueueMetadata (TestSQSParseMetadata, TestQueueURLFromEnvResolution). */
export const SQS_METADATA_VECTORS: readonly {
  readonly comment: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly isError: boolean;
}[] = [
  { comment: 'metadata empty', metadata: {}, isError: true },
  {
    comment: 'properly formed queue and region',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ',
      queueLength: '1',
      awsRegion: 'eu-west-1',
    },
    isError: false,
  },
  {
    comment: 'improperly formed queue, missing queueName',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id',
      queueLength: '1',
      awsRegion: 'eu-west-1',
    },
    isError: true,
  },
  {
    comment: 'improperly formed queue, missing path',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com',
      queueLength: '1',
      awsRegion: 'eu-west-1',
    },
    isError: true,
  },
  {
    comment: 'properly formed queue, empty region',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ',
      queueLength: '1',
      awsRegion: '',
    },
    isError: true,
  },
  {
    comment: 'invalid integer value for queueLength',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ',
      queueLength: 'a',
      awsRegion: 'eu-west-1',
    },
    isError: true,
  },
  {
    comment: 'properly formed queue, integer activationQueueLength',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ',
      queueLength: '1',
      activationQueueLength: '1',
      awsRegion: 'eu-west-1',
    },
    isError: false,
  },
  {
    comment: 'invalid integer value for activationQueueLength',
    metadata: {
      queueURL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ',
      queueLength: '1',
      activationQueueLength: 'a',
      awsRegion: 'eu-west-1',
    },
    isError: true,
  },
  {
    comment: 'a plain queue name',
    metadata: { queueURL: 'my-queue', queueLength: '1', awsRegion: 'eu-west-1' },
    isError: false,
  },
  {
    comment: 'scaleOnInFlight false',
    metadata: {
      queueURL: 'my-queue',
      queueLength: '1',
      awsRegion: 'eu-west-1',
      scaleOnInFlight: 'false',
    },
    isError: false,
  },
  {
    comment: 'properly formed queue loaded from env',
    metadata: { queueURLFromEnv: 'QUEUE_URL', queueLength: '1', awsRegion: 'eu-west-1' },
    env: { QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ' },
    isError: false,
  },
  {
    comment: 'missing queue url from both queueURL and queueURLFromEnv',
    metadata: { queueLength: '1', awsRegion: 'eu-west-1' },
    isError: true,
  },
  {
    comment: 'empty QUEUE_URL env value',
    metadata: { queueURLFromEnv: 'QUEUE_URL', queueLength: '1', awsRegion: 'eu-west-1' },
    env: { QUEUE_URL: '' },
    isError: true,
  },
  {
    comment: 'missing environment variable',
    metadata: { queueURLFromEnv: 'MISSING_ENV_VAR', awsRegion: 'eu-west-1' },
    env: { QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ' },
    isError: true,
  },
];

/** TestAWSSQSScalerGetMetrics: 200 visible, 100 in flight, 50 delayed. */
export const SQS_METRIC_VECTORS: readonly {
  readonly comment: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly expected: number;
}[] = [
  { comment: 'scaleOnInFlight disabled', metadata: { scaleOnInFlight: 'false' }, expected: 200 },
  { comment: 'scaleOnInFlight enabled', metadata: { scaleOnInFlight: 'true' }, expected: 300 },
  { comment: 'scaleOnDelayed disabled', metadata: { scaleOnDelayed: 'false' }, expected: 300 },
  { comment: 'scaleOnDelayed enabled', metadata: { scaleOnDelayed: 'true' }, expected: 350 },
  {
    comment: 'both disabled',
    metadata: { scaleOnInFlight: 'false', scaleOnDelayed: 'false' },
    expected: 200,
  },
  {
    comment: 'both enabled',
    metadata: { scaleOnInFlight: 'true', scaleOnDelayed: 'true' },
    expected: 350,
  },
];
export const SQS_METRIC_ATTRIBUTES = {
  ApproximateNumberOfMessages: '200',
  ApproximateNumberOfMessagesNotVisible: '100',
  ApproximateNumberOfMessagesDelayed: '50',
};

/** TestProcessQueueLengthFromSqsQueueAttributesOutput (all three attributes asked for). */
export const SQS_ATTRIBUTE_VECTORS: readonly {
  readonly comment: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly expected: number | 'error';
}[] = [
  {
    comment: 'properly formed queue attributes',
    attributes: {
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    },
    expected: 1,
  },
  { comment: 'missing ApproximateNumberOfMessages', attributes: {}, expected: 'error' },
  {
    comment: 'invalid ApproximateNumberOfMessages',
    attributes: {
      ApproximateNumberOfMessages: 'NotInt',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    },
    expected: 'error',
  },
  {
    comment: '32 bit int upper bound',
    attributes: {
      ApproximateNumberOfMessages: '2147483647',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    },
    expected: 2147483647,
  },
  {
    comment: '32 bit int upper bound + 1',
    attributes: {
      ApproximateNumberOfMessages: '2147483648',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    },
    expected: 2147483648,
  },
  {
    comment: 'bad data (the mock queue answers NotInt)',
    attributes: {
      ApproximateNumberOfMessages: 'NotInt',
      ApproximateNumberOfMessagesNotVisible: 'NotInt',
    },
    expected: 'error',
  },
];
