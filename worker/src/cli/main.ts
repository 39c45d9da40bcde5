#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError } from 'commander';
import { loadEngineConfig } from '../config/config.ts';
import { loadApiClientConfig, loadControlConfig } from '../config/control.ts';
import { LADDER_PRESETS, type LadderPresetName } from '../contract/ladder-presets.ts';
import { ControlService } from '../control/service.ts';
import { createAwsClients, createControlDeps, type AwsClients } from '../wiring/deps.ts';
import { ConfigError, TranscoderError } from '../base/errors.ts';
import { ApiError, DirectClient, HttpClient, type ControlClient } from './client.ts';
import { formatProbeReport, probeS3Source, probeSource, type ProbeReport } from './probe.ts';

/**
 * `keda-transcoder`: the command line for the control plane. Talks to AWS with the SDK, using
 * the same environment as the worker (QUEUE_URL, TABLE_NAME, ...), or to the control API with
 * --api. Every command takes --json.
 */
const program = new Command('keda-transcoder')
  .description(
    'Enqueue transcoding jobs, follow them, schedule them, and look after the dead-letter queue.',
  )
  .option(
    '--api <url>',
    'talk to the control API at this URL instead of AWS directly (env KT_API_URL)',
  )
  .option('--token <token>', 'bearer token for --api (env KT_API_TOKEN)')
  .option('--json', 'print JSON instead of text')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Examples:
  $ keda-transcoder enqueue ./launch.mov                  upload a local file, then enqueue it
  $ keda-transcoder enqueue s3://media/in/a.mp4 --ladder economy --formats hls --job-id a-1
  $ keda-transcoder status a-1
  $ keda-transcoder list --status FAILED --limit 10
  $ keda-transcoder stats --json
  $ keda-transcoder schedule add "0 7 * * MON" --timezone Europe/Paris --input s3://media/in/weekly.mp4
  $ keda-transcoder probe ./launch.mov                    what the worker would do with it
  $ keda-transcoder dlq list
  $ keda-transcoder dlq redrive
  $ keda-transcoder --api https://transcoder.example.com --token "$KT_API_TOKEN" stats

Without --api it reads the worker's environment: AWS_REGION, QUEUE_URL, DLQ_URL, TABLE_NAME,
OUTPUT_URI (and SCHEDULER_ROLE_ARN for schedules).`,
  );

let clients: AwsClients | undefined;
function client(): ControlClient {
  const options = program.opts<{ api?: string; token?: string }>();
  const api = loadApiClientConfig();
  const url = options.api ?? api.url;
  if (url) return new HttpClient(url, options.token ?? api.token);
  const config = loadControlConfig();
  clients = createAwsClients(config);
  return new DirectClient(new ControlService(createControlDeps(config, clients)));
}

function print(value: unknown, text: () => string): void {
  if (program.opts<{ json?: boolean }>().json)
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${text()}\n`);
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number from 1');
  return n;
};

/** The job message from the enqueue-style options. */
function jobBody(
  input: string,
  o: {
    jobId?: string;
    ladder?: string;
    formats?: string;
    codecs?: string;
    thumbnails?: string | boolean;
    output?: string;
    audio?: string;
    subtitles?: string;
    loudness?: string;
    message?: string;
  },
) {
  let base: Record<string, unknown> = {};
  if (o.message) {
    try {
      base = JSON.parse(o.message) as Record<string, unknown>;
    } catch (err) {
      throw new InvalidArgumentError(`--message is not JSON: ${(err as Error).message}`);
    }
    if (typeof base !== 'object' || base === null || Array.isArray(base))
      throw new InvalidArgumentError('--message must be a JSON object');
  }
  let ladder: unknown;
  if (o.ladder) {
    ladder = o.ladder.trim().startsWith('[') ? (JSON.parse(o.ladder) as unknown) : o.ladder;
  }
  return {
    ...base,
    version: 1,
    input,
    ...(o.jobId ? { jobId: o.jobId } : {}),
    ...(o.output ? { output: o.output } : {}),
    ...(ladder !== undefined ? { ladder } : {}),
    ...(o.formats ? { formats: o.formats.split(',').map((f) => f.trim()) } : {}),
    ...(o.codecs ? { codecs: o.codecs.split(',').map((c) => c.trim()) } : {}),
    ...(o.audio ? { audio: o.audio } : {}),
    ...(o.subtitles ? { subtitles: o.subtitles } : {}),
    ...(o.loudness ? { loudness: { targetLufs: Number(o.loudness) } } : {}),
    ...(o.thumbnails === true
      ? { thumbnails: true }
      : o.thumbnails
        ? { thumbnails: { intervalSeconds: Number(o.thumbnails) } }
        : {}),
  };
}

program
  .command('enqueue')
  .description('enqueue a job for an s3:// source, or upload a local file first')
  .argument('<source>', 's3://bucket/key, or a local file path')
  .option('--job-id <id>', 'the jobId (default: generated)')
  .option(
    '--ladder <preset|json>',
    'standard | high | economy, or rungs as JSON: \'[{"height":720}]\'',
  )
  .option('--formats <list>', 'hls,mp4 (default both)')
  .option('--codecs <list>', 'h264,hevc,av1: the ladder in each (default h264)')
  .option('--thumbnails [seconds]', 'thumbnails, every N seconds (default 10)')
  .option('--output <s3-prefix>', 'where the renditions go')
  .option(
    '--audio <policy>',
    'auto (default: encode it, or go on without audio nothing can decode) | required | none',
  )
  .option(
    '--subtitles <policy>',
    'auto (default: text subtitle tracks and CEA-608 captions become WebVTT) | none',
  )
  .option(
    '--loudness <lufs>',
    'normalize the audio to this integrated loudness, e.g. -16 (two-pass EBU R128)',
  )
  .option('--idempotency-key <key>', 'a retried enqueue with the same key returns the same job')
  .option(
    '--message <json>',
    'more of the job message as JSON (the options above override its fields)',
  )
  .action(async (source: string, o: Record<string, string | boolean | undefined>) => {
    const c = client();
    let input = source;
    if (!source.startsWith('s3://')) {
      if (!existsSync(source))
        throw new InvalidArgumentError(`${source} is neither an s3:// URI nor a file`);
      input = await c.upload(source);
      if (!program.opts<{ json?: boolean }>().json)
        process.stderr.write(`uploaded ${source} to ${input}\n`);
    }
    const result = await c.enqueue(jobBody(input, o), {
      ...(typeof o.idempotencyKey === 'string' ? { idempotencyKey: o.idempotencyKey } : {}),
    });
    print({ ...result, input }, () => `${result.jobId} ${result.status}`);
  });

program
  .command('status')
  .description("a job's status, attempts, progress, outputs or error")
  .argument('<jobId>')
  .action(async (jobId: string) => {
    const job = await client().get(jobId);
    if (!job) {
      process.stderr.write(`no job ${jobId}\n`);
      process.exitCode = 3;
      return;
    }
    print(job, () => {
      const lines = [
        `${job.jobId} ${job.status}  attempts ${job.attempts}, retries ${job.retries}`,
        `  input   ${job.input ?? '-'}`,
      ];
      if (job.progress && job.status === 'RUNNING') {
        const p = job.progress;
        lines.push(
          `  progress ${p.stage ?? ''} ${Math.round(p.percent)}%${p.speed ? ` at ${p.speed}x` : ''}${p.rungs ? `  (${p.rungs.join(' ')})` : ''}`,
        );
        if (job.playable) lines.push(`  playable since ${job.playable.at}: ${job.playable.master}`);
      }
      const result = job.result as
        | {
            output?: string;
            master?: string;
            dash?: string;
            renditions?: {
              name: string;
              width: number;
              height: number;
              averageBitrateKbps: number;
            }[];
            warnings?: string[];
          }
        | undefined;
      if (result?.output) lines.push(`  output  ${result.output}`);
      if (result?.master) lines.push(`  master  ${result.master}`);
      if (result?.dash) lines.push(`  dash    ${result.dash}`);
      for (const r of result?.renditions ?? [])
        lines.push(`  ${r.name.padEnd(6)} ${r.width}x${r.height} ${r.averageBitrateKbps} kbps`);
      for (const w of result?.warnings ?? []) lines.push(`  warning ${w}`);
      if (job.error) lines.push(`  error   ${job.error.code}: ${job.error.message}`);
      return lines.join('\n');
    });
  });

program
  .command('list')
  .description('recent jobs, newest first')
  .option('--status <status>', 'QUEUED | RUNNING | SUCCEEDED | FAILED')
  .option('--limit <n>', 'how many (1-100)', positiveInt, 20)
  .option('--cursor <cursor>', 'continue from a previous page')
  .action(async (o: { status?: string; limit: number; cursor?: string }) => {
    const page = await client().list({
      limit: o.limit,
      ...(o.status ? { status: o.status.toUpperCase() } : {}),
      ...(o.cursor ? { cursor: o.cursor } : {}),
    });
    print(
      page,
      () =>
        [
          ...page.items.map((j) => `${j.createdAt}  ${j.status.padEnd(9)} ${j.jobId}`),
          ...(page.cursor ? [`(more: --cursor ${page.cursor})`] : []),
        ].join('\n') || '(no jobs)',
    );
  });

program
  .command('stats')
  .description('exact counts (succeeded, failed, retries, running) and the queue depths')
  .action(async () => {
    const s = await client().stats();
    print(s, () =>
      [
        `succeeded ${s.succeeded}  failed ${s.failed}  retries ${s.retries}  running ${s.running}`,
        `queue     ${s.queue.visible} waiting, ${s.queue.inFlight} in flight, ${s.queue.delayed} delayed`,
        `dlq       ${s.deadLetterQueue.visible} waiting`,
      ].join('\n'),
    );
  });

const schedule = program.command('schedule').description('recurring jobs (EventBridge Scheduler)');
schedule
  .command('add')
  .description('run a job on a 5-field cron, e.g. "0 7 * * MON"')
  .argument('<cron>')
  .requiredOption('--input <s3-uri>', 'the source each run transcodes')
  .option('--timezone <zone>', 'IANA time zone', 'UTC')
  .option('--name <name>', 'schedule name (default: derived)')
  .option('--ladder <preset|json>')
  .option('--formats <list>')
  .option('--codecs <list>')
  .option('--thumbnails [seconds]')
  .option('--output <s3-prefix>')
  .action(
    async (
      cron: string,
      o: Record<string, string | boolean | undefined> & {
        input: string;
        timezone: string;
        name?: string;
      },
    ) => {
      const { jobId: _none, ...job } = jobBody(o.input, { ...o, jobId: undefined });
      const created = await client().schedule({
        cron,
        timezone: o.timezone,
        job,
        ...(o.name ? { name: o.name } : {}),
      });
      print(created, () => `${created.name}  ${created.expression} ${created.timezone}`);
    },
  );
schedule
  .command('list')
  .description('the schedules')
  .action(async () => {
    const items = await client().schedules();
    print(
      items,
      () =>
        items.map((s) => `${s.name}  ${s.expression} ${s.timezone} ${s.state}`).join('\n') ||
        '(no schedules)',
    );
  });
schedule
  .command('rm')
  .description('remove a schedule')
  .argument('<name>')
  .action(async (name: string) => {
    const removed = await client().unschedule(name);
    if (!removed) process.exitCode = 3;
    print({ name, removed }, () => (removed ? `removed ${name}` : `no schedule ${name}`));
  });

program
  .command('probe')
  .description(
    'what the worker would do with a source, without transcoding it: the ladder, the picture path (HDR tone mapping, deinterlacing, colours), the tracks, or why it would refuse the file',
  )
  .argument('<source...>', 'local video files or s3://bucket/key (downloaded to a temporary file)')
  .option('--ladder <preset>', 'standard, high or economy', 'standard')
  .action(async (files: string[], o: { ladder: string }) => {
    if (!(o.ladder in LADDER_PRESETS))
      throw new InvalidArgumentError(
        `--ladder must be one of ${Object.keys(LADDER_PRESETS).join(', ')}`,
      );
    const engine = loadEngineConfig();
    const reports: ProbeReport[] = [];
    let s3: S3Client | undefined;
    for (const file of files) {
      if (file.startsWith('s3://')) {
        // The SDK's own chain: AWS_REGION, credentials, AWS_ENDPOINT_URL_S3 for a local stack.
        s3 ??= new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });
        reports.push(await probeS3Source(file, engine, o.ladder as LadderPresetName, s3));
        continue;
      }
      if (!existsSync(file)) throw new InvalidArgumentError(`no such file: ${file}`);
      reports.push(await probeSource(file, engine, o.ladder as LadderPresetName));
    }
    s3?.destroy();
    print(reports.length === 1 ? reports[0] : reports, () =>
      reports.map(formatProbeReport).join('\n'),
    );
    if (reports.some((r) => !r.accepted)) process.exitCode = 1;
  });

const dlq = program.command('dlq').description('the dead-letter queue');
dlq
  .command('list')
  .description('what is in the DLQ, with the recorded reasons')
  .option('--limit <n>', 'at most this many', positiveInt, 50)
  .action(async (o: { limit: number }) => {
    const items = (await client().deadLetters(o.limit)) as {
      jobId?: string;
      code?: string;
      reason?: string;
      status?: string;
    }[];
    print(
      items,
      () =>
        items
          .map(
            (d) =>
              `${d.jobId ?? '?'}  ${d.status ?? '-'}  ${d.code ?? '-'}: ${d.reason ?? '(no reason recorded)'}`,
          )
          .join('\n') || '(empty)',
    );
  });
dlq
  .command('redrive')
  .description('move the dead letters back to the work queue')
  .option('--max <n>', 'at most this many (re-send mode)', positiveInt, 1000)
  .action(async (o: { max: number }) => {
    const result = (await client().redrive(o.max)) as { mode: string; moved?: number };
    print(result, () =>
      result.mode === 'move-task'
        ? 'SQS move task started'
        : `moved ${result.moved ?? 0} message(s)`,
    );
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(
      `keda-transcoder: ${err.message}\n(set the worker's environment, or use --api)\n`,
    );
    process.exitCode = 2;
  } else if (err instanceof InvalidArgumentError) {
    process.stderr.write(`keda-transcoder: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof ApiError || err instanceof TranscoderError) {
    process.stderr.write(`keda-transcoder: ${err.message}\n`);
    process.exitCode = 1;
  } else if (err instanceof SyntaxError) {
    process.stderr.write(`keda-transcoder: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    throw err;
  }
} finally {
  clients?.destroy();
}
