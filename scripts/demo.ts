/**
 * `npm start`: the whole system on this machine, from the embedded default deployment config
 * (charts/environments/local.yaml). It starts the local AWS stack, synthesizes the charts with
 * the real cdk8s app, runs the synthesized ScaledJob through the local runner (KEDA's formula,
 * one worker process per message) and the synthesized API as a local pod, makes sample sources
 * (or takes your files), enqueues them through the API, shows their progress, and ends with a
 * summary and the page that plays the results. Ctrl-C stops everything it started, by PID.
 *
 *   npm start                          three sample clips (camera, screen, animation)
 *   npm start -- a.mov b.mp4           your files
 *   npm start -- --exit                stop after the summary (exit 1 if a job failed)
 *   npm start -- --samples 1 --seconds 4 --port 0 --exit     (what the smoke test runs)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient } from '../worker/src/cli/client.ts';
import type { JobView } from '../worker/src/control/jobs.ts';
import type { JobEvent } from '../worker/src/record/job-event.ts';
import { benchSources } from './bench/sources.ts';
import { PidFile } from './local-keda/pids.ts';
import { startLocalSystem, type LocalSystem } from './local-keda/system.ts';
import { localClients, startLocalStack, type LocalStack } from './local-stack/index.ts';

const ROOT = join(import.meta.dirname, '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    samples: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '6' },
    height: { type: 'string', default: '720' },
    port: { type: 'string', default: '8080' },
    config: { type: 'string', default: join(ROOT, 'charts', 'environments', 'local.yaml') },
    'state-dir': { type: 'string', default: join(ROOT, '.local', 'demo') },
    exit: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'npm start -- [files...] [--samples N] [--seconds S] [--height H] [--port P] [--config FILE] [--exit]\n',
  );
  process.exit(0);
}

const stateDir = resolve(values['state-dir']);
const say = (line: string) => process.stdout.write(`${line}\n`);
const tty = process.stdout.isTTY;
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);

let stack: LocalStack | undefined;
let system: LocalSystem | undefined;
let stopping: Promise<void> | undefined;
const pidFile = new PidFile(join(stateDir, 'pids.json'));

async function stopAll(): Promise<void> {
  stopping ??= (async () => {
    await system?.stop();
    await stack?.stop();
    rmSync(join(stateDir, 'pids.json'), { force: true });
  })();
  return stopping;
}

process.on('SIGINT', () => {
  say('\nstopping: workers, API, local stack ...');
  void stopAll().then(() => {
    say('stopped everything this run started.');
    process.exit(130);
  });
});
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

async function main(): Promise<number> {
  mkdirSync(stateDir, { recursive: true });
  // A previous run that was killed outright: stop what it left, by PID, and start clean.
  const leftovers = await PidFile.stopLeftovers(join(stateDir, 'pids.json'));
  if (leftovers.length) say(dim(`stopped leftovers of an earlier run: ${leftovers.join(', ')}`));
  for (const dir of ['pods', 'logs', 'dist'])
    rmSync(join(stateDir, dir), { recursive: true, force: true });

  say(
    bold('keda-transcoder, locally') +
      dim(" (the local runner stands in for KEDA; production scaling is KEDA's)"),
  );
  stack = await startLocalStack({ stateDir: join(stateDir, 'stack') });
  say(
    `  local stack     DynamoDB Local ${stack.dynamodbEndpoint}, fauxqs (SQS + S3) ${stack.sqsEndpoint}`,
  );

  const token = randomBytes(24).toString('hex');
  system = await startLocalSystem({
    root: ROOT,
    stateDir,
    stack,
    configFile: resolve(values.config),
    api: { port: Number(values.port), token },
    pidFile,
  });
  const sj = system.scaledJob;
  say(`  synthesized     ${join(stateDir, 'dist')} from ${basename(values.config)}`);
  say(
    `  ScaledJob       ${sj.name}: polls every ${sj.pollingIntervalSeconds} s, up to ${sj.maxReplicaCount ?? 100} workers, strategy ${sj.strategyName}${sj.strategy.kind === sj.strategyName ? '' : ` (runs as ${sj.strategy.kind})`}`,
  );
  say(`  API             ${system.api!.url}`);
  system.runner.on('pod-started', (p) => progressNote(`pod ${p.name} started`));
  system.runner.on('pod-exited', (p) =>
    progressNote(
      `pod ${p.name} exited ${p.exit?.code ?? p.exit?.signal}${p.jobId ? ` (${p.jobId}: ${p.outcome ?? '?'})` : ''}`,
    ),
  );

  const client = new HttpClient(system.api!.url, token);
  const files = positionals.length
    ? positionals.map((f) => {
        if (!existsSync(f)) throw new Error(`${f} does not exist`);
        return resolve(f);
      })
    : (
        await benchSources(
          join(ROOT, '.local', 'samples'),
          Number(values.seconds),
          (['camera', 'screen', 'animation'] as const).slice(0, Number(values.samples)),
          Number(values.height),
        )
      ).map((s) => s.path);

  const jobs: { file: string; jobId: string }[] = [];
  for (const file of files) {
    const started = Date.now();
    let parts = 1;
    const input = await client.upload(file, {
      onProgress: (p) => {
        parts = p.parts;
        if (tty) {
          const percent = Math.floor((p.bytes / p.total) * 100);
          process.stdout.write(
            `\r  uploading       ${basename(file)} ${percent}% (${p.partsDone}/${p.parts} parts)\x1b[K`,
          );
        }
      },
    });
    if (tty) process.stdout.write('\r\x1b[K');
    const mb = (statSync(file).size / 1e6).toFixed(1);
    say(
      `  uploaded        ${basename(file)} (${mb} MB, ${parts === 1 ? 'one PUT' : `${parts} parts`}, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    const { jobId } = await client.enqueue({ version: 1, input, thumbnails: true }, {});
    jobs.push({ file, jobId });
    say(`  enqueued        ${basename(file)} -> job ${jobId}`);
  }
  say('');

  const views = await follow(client, jobs);
  say('');
  say(bold('summary'));
  for (const { file, jobId } of jobs) {
    const v = views.get(jobId)!;
    say(
      `  ${basename(file)}  ${v.status}  job ${jobId}  attempts ${v.attempts}, retries ${v.retries}`,
    );
    const result = v.result as
      | {
          output: string;
          master?: string;
          dash?: string;
          renditions: {
            name: string;
            width: number;
            height: number;
            averageBitrateKbps: number;
            mp4?: { bytes: number };
          }[];
          timings?: { transcodeMs: number };
          split?: { chunks: number; chunkSeconds: number };
        }
      | undefined;
    if (result?.split) {
      say(
        dim(
          `      split across Jobs: ${result.split.chunks} chunks of ${result.split.chunkSeconds} s and the audio, then stitched`,
        ),
      );
    }
    if (result) {
      for (const r of result.renditions)
        say(
          dim(
            `      ${r.name.padEnd(6)} ${`${r.width}x${r.height}`.padEnd(10)} ${String(r.averageBitrateKbps).padStart(6)} kb/s`,
          ),
        );
      say(`      output ${result.output}${result.master ? `  (HLS: ${result.master})` : ''}`);
      if (result.dash) say(`      DASH   ${result.dash}`);
    }
    if (v.error) say(`      ${v.error.code}: ${v.error.message}`);
  }
  const stats = await client.stats();
  say(
    `  stats           succeeded ${stats.succeeded}, failed ${stats.failed}, retries ${stats.retries}, running ${stats.running}; queue ${stats.queue.visible}, DLQ ${stats.deadLetterQueue.visible}`,
  );
  say(
    `  worker pods     ${system.runner.records.length} started, at most ${system.runner.peakRunning} at once; logs in ${join(stateDir, 'logs')}`,
  );
  if (system.events) {
    const heard = await drainEvents(system.events.tapQueueUrl, jobs.length);
    const byStatus = (st: string) => heard.filter((e) => e.data.status === st).length;
    say(
      `  events          ${heard.length} on SNS ${system.events.topicArn.split(':').at(-1)} (${heard.filter((e) => e.type === 'keda-transcoder.job.playable').length} playable, ${byStatus('SUCCEEDED')} succeeded, ${byStatus('FAILED')} failed), read from the queue subscribed to it`,
    );
  }
  const ok = [...views.values()].every((v) => v.status === 'SUCCEEDED');

  if (values.exit) {
    await stopAll();
    return ok ? 0 : 1;
  }
  say('');
  say(bold(`watch the ladder: ${system.api!.url}/#token=${token}`));
  say(dim(`  CLI: npm run cli -- --api ${system.api!.url} --token ${token} list`));
  say(
    dim(
      '  the system keeps running: enqueue more with the CLI or the page; Ctrl-C stops everything.',
    ),
  );
  await new Promise(() => undefined);
  return 0;
}

/** The job events an application subscribed to the topic would read (deduplicated by id). */
async function drainEvents(queueUrl: string, expected: number): Promise<JobEvent[]> {
  const { ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
  const sqs = localClients(stack!).sqs;
  const events = new Map<string, JobEvent>();
  // Every job's end event (a job may also have sent a PLAYABLE one before it).
  const ends = () => [...events.values()].filter((e) => e.data.status !== 'RUNNING').length;
  for (let i = 0; i < 10 && ends() < expected; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const m of out.Messages ?? []) {
      const event = JSON.parse(m.Body ?? '{}') as JobEvent;
      events.set(event.id, event);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
  return [...events.values()];
}

let lastNotes: string[] = [];
function progressNote(note: string): void {
  lastNotes = [...lastNotes.slice(-3), note];
  if (!tty) say(dim(`  ${note}`));
}

/** Polls the API until every job is SUCCEEDED or FAILED, drawing one line per job. */
async function follow(client: HttpClient, jobs: { file: string; jobId: string }[]) {
  const views = new Map<string, JobView>();
  let drawn = 0;
  const lastLine = new Map<string, string>();
  for (;;) {
    for (const { jobId } of jobs) {
      const v = await client.get(jobId);
      if (v) views.set(jobId, v);
    }
    const lines = jobs.map(({ file, jobId }) => {
      const v = views.get(jobId);
      const p = v?.progress;
      const detail =
        v?.status === 'RUNNING' && p
          ? `${p.stage.padEnd(11)} ${String(Math.round(p.percent)).padStart(3)}%${p.speed ? ` ${p.speed.toFixed(1)}x` : ''}  ${(p.rungs ?? []).join(' ')}`
          : v?.status === 'SUCCEEDED'
            ? `${(v.result as { renditions: unknown[] }).renditions.length} renditions`
            : v?.status === 'FAILED'
              ? (v.error?.code ?? '')
              : '';
      return `  ${basename(file).padEnd(24)} ${(v?.status ?? '?').padEnd(9)} ${detail}`;
    });
    if (tty) {
      if (drawn) process.stdout.write(`\x1b[${drawn}A`);
      const all = [...lines, ...lastNotes.map((n) => dim(`  ${n}`))];
      for (const line of all) process.stdout.write(`\x1b[2K${line}\n`);
      drawn = all.length;
    } else {
      jobs.forEach(({ jobId }, i) => {
        if (lastLine.get(jobId) !== lines[i]) {
          lastLine.set(jobId, lines[i]!);
          say(lines[i]!);
        }
      });
    }
    if (jobs.every(({ jobId }) => ['SUCCEEDED', 'FAILED'].includes(views.get(jobId)?.status ?? '')))
      return views;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll().catch(() => undefined);
    process.exit(1);
  },
);
