import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  createReadStream,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { localClients, workerEnvironment, type StackEndpoints } from '../local-stack/index.ts';
import { provision } from '../local-stack/provision.ts';
import { measure, median, parseDuration, type Cost } from './measure.ts';
import type { BenchSource } from './sources.ts';

/** One full job, as a pod runs it, split into the ffmpeg work and everything else. */
export interface WorkerJobResult {
  readonly source: string;
  readonly seconds: number;
  readonly runs: number;
  /** The worker process from spawn to exit, with every child (medians). */
  readonly job: Cost;
  /** ffmpeg's own time: the union of its invocations' wall intervals, and their CPU (medians). */
  readonly ffmpeg: Cost;
  /** ffprobe's share of the rest (medians). */
  readonly ffprobe: Cost;
  /** What the worker itself adds, by its own log (medians, seconds). */
  readonly steps: {
    readonly download: number;
    readonly upload: number;
    readonly transcode: number;
  };
  /** (job - ffmpeg) / job, median of the per-run ratios. Target: at most 3% of wall time. */
  readonly overhead: { readonly wallShare: number; readonly cpuShare: number };
}

interface ToolRun {
  readonly tool: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly cpuSeconds: number;
}

/**
 * A full job against the local stack, `runs` times: the source uploaded to the emulator's S3,
 * a message on the queue, then the worker bundle (what the image runs) as a process: receive,
 * claim, download, probe, transcode, upload, record, delete, exit. ffmpeg and ffprobe run
 * through small wrappers that log each invocation's wall interval and CPU, so the worker's
 * own share is measured, not inferred.
 */
export async function benchWorkerJob(
  stack: StackEndpoints,
  source: BenchSource,
  options: { runs: number; workDir: string; entry: string },
): Promise<WorkerJobResult> {
  const clients = localClients(stack);
  const resources = await provision(clients, { prefix: `bench-job-${process.pid}` });
  const key = `uploads/${source.name}-${source.seconds}s.mp4`;
  await new Upload({
    client: clients.s3,
    partSize: 8 * 1024 * 1024,
    params: { Bucket: resources.bucket, Key: key, Body: createReadStream(source.path) },
  }).done();

  const tools = join(options.workDir, 'tools');
  const toolLog = join(options.workDir, 'tools.log');
  mkdirSync(tools, { recursive: true });
  for (const tool of ['ffmpeg', 'ffprobe']) {
    writeFileSync(join(tools, tool), wrapper(tool, which(tool), toolLog));
    chmodSync(join(tools, tool), 0o755);
  }

  const samples: {
    job: Cost;
    ffmpeg: Cost;
    ffprobe: Cost;
    steps: WorkerJobResult['steps'];
    wallShare: number;
    cpuShare: number;
  }[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      const jobId = `bench-${i}`;
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: resources.queueUrl,
          MessageBody: JSON.stringify({
            version: 1,
            jobId,
            input: `s3://${resources.bucket}/${key}`,
          }),
        }),
      );
      rmSync(toolLog, { force: true });
      const logFile = join(options.workDir, `worker-${i}.log`);
      const work = join(options.workDir, 'work');
      rmSync(work, { recursive: true, force: true });
      const env = {
        PATH: process.env.PATH,
        ...workerEnvironment(stack, resources, {
          WORK_DIR: work,
          FFMPEG_PATH: join(tools, 'ffmpeg'),
          FFPROBE_PATH: join(tools, 'ffprobe'),
          RECEIVE_WAIT_SECONDS: '1',
          IDLE_TIMEOUT_SECONDS: '5',
          WORKER_ID: `bench-${i}`,
        }),
      };
      const job = await measure(process.execPath, [options.entry], { env, stdoutFile: logFile });
      const runs = readToolLog(toolLog);
      const steps = readSteps(logFile, jobId);
      const ff = runs.filter((r) => r.tool === 'ffmpeg');
      const probe = runs.filter((r) => r.tool === 'ffprobe');
      const ffmpeg = {
        wallSeconds: unionSeconds(ff),
        cpuSeconds: sum(ff.map((r) => r.cpuSeconds)),
      };
      const ffprobe = {
        wallSeconds: unionSeconds(probe),
        cpuSeconds: sum(probe.map((r) => r.cpuSeconds)),
      };
      samples.push({
        job,
        ffmpeg,
        ffprobe,
        steps,
        wallShare: (job.wallSeconds - ffmpeg.wallSeconds) / job.wallSeconds,
        cpuShare: (job.cpuSeconds - ffmpeg.cpuSeconds) / job.cpuSeconds,
      });
    }
  } finally {
    for (const c of Object.values(clients)) c.destroy();
  }
  const med = (pick: (s: (typeof samples)[number]) => Cost): Cost => ({
    wallSeconds: round(median(samples.map((s) => pick(s).wallSeconds))),
    cpuSeconds: round(median(samples.map((s) => pick(s).cpuSeconds))),
  });
  return {
    source: source.name,
    seconds: source.seconds,
    runs: options.runs,
    job: med((s) => s.job),
    ffmpeg: med((s) => s.ffmpeg),
    ffprobe: med((s) => s.ffprobe),
    steps: {
      download: round(median(samples.map((s) => s.steps.download))),
      transcode: round(median(samples.map((s) => s.steps.transcode))),
      upload: round(median(samples.map((s) => s.steps.upload))),
    },
    overhead: {
      wallShare: round(median(samples.map((s) => s.wallShare))),
      cpuShare: round(median(samples.map((s) => s.cpuShare))),
    },
  };
}

/** Runs the real tool, then appends "<tool> <start ns> <end ns> <user> <sys>" to the log. */
function wrapper(tool: string, real: string, log: string): string {
  return `#!/usr/bin/env bash
start=$(date +%s%N)
${JSON.stringify(real)} "$@"
rc=$?
end=$(date +%s%N)
# times must run in this shell, not a pipe's subshell, to see the child's usage.
tf=$(mktemp)
times > "$tf"
children=$(tail -n 1 "$tf")
rm -f "$tf"
printf '%s %s %s %s\\n' ${tool} "$start" "$end" "$children" >> ${JSON.stringify(log)}
exit $rc
`;
}

function which(tool: string): string {
  return execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
}

function readToolLog(file: string): ToolRun[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error('the worker ran no ffmpeg: see the worker log under .local/bench');
  }
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [tool, start, end, user, sys] = line.split(' ');
      return {
        tool: tool!,
        startNs: BigInt(start!),
        endNs: BigInt(end!),
        cpuSeconds: parseDuration(user!) + parseDuration(sys!),
      };
    });
}

/** The worker's own timings from its log, and proof that the job succeeded. */
function readSteps(file: string, jobId: string): WorkerJobResult['steps'] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; ms?: number; outcome?: string });
  const ms = (msg: string) => (lines.find((l) => l.msg === msg)?.ms ?? NaN) / 1000;
  const done = lines.find((l) => l.msg === 'worker done');
  if (done?.outcome !== 'succeeded') {
    throw new Error(`bench job ${jobId} did not succeed (see ${file})`);
  }
  return {
    download: ms('source downloaded'),
    transcode: ms('transcoded'),
    upload: ms('outputs uploaded'),
  };
}

/** Seconds covered by the union of the runs' intervals (concurrent runs count once). */
function unionSeconds(runs: readonly ToolRun[]): number {
  const sorted = [...runs].sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  let total = 0n;
  let start = -1n;
  let end = -1n;
  for (const r of sorted) {
    if (r.startNs > end) {
      if (end > start) total += end - start;
      start = r.startNs;
      end = r.endNs;
    } else if (r.endNs > end) {
      end = r.endNs;
    }
  }
  if (end > start) total += end - start;
  return Number(total) / 1e9;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const round = (n: number) => Math.round(n * 1000) / 1000;
