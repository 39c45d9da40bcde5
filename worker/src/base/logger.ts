import pino, { type Logger } from 'pino';

/**
 * JSON logs on stdout, one line per event, written synchronously so nothing is lost when the
 * process exits right after the job. Pipe through `npx pino-pretty` to read them locally.
 */
export function createLogger(
  level: pino.LevelWithSilent,
  bindings: Record<string, unknown> = {},
): Logger {
  return pino(
    {
      level,
      base: { service: 'keda-transcoder', ...bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.receiptHandle', 'receiptHandle', '*.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
