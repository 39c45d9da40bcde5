/** ARNs and names from SQS queue URLs (https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function queueArn(url: string, region: string): string {
  return `arn:aws:sqs:${region}:${accountOf(url)}:${queueName(url)}`;
}

export function accountOf(url: string): string {
  const match = /\/(\d{12})\/[^/]+$/.exec(url);
  if (!match) throw new Error(`not an SQS queue URL: ${url}`);
  return match[1]!;
}

export function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
