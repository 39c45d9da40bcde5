import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

export interface Cost {
  readonly wallSeconds: number;
  /** User + system CPU time of the process and all its threads and children. */
  readonly cpuSeconds: number;
  /** The command's peak resident memory (MiB), when asked for and GNU time is installed. */
  readonly peakMiB?: number;
}

/** GNU time (Debian's `time` package, scripts/setup.sh): it reads the command's peak RSS. */
const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command and reports its wall time and CPU time. CPU comes from bash's `times`
 * builtin (the children's rusage, as wait4 reports it), which Node does not expose.
 */
export async function measure(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    /** The command's whole environment (default: this process's). */
    env?: NodeJS.ProcessEnv;
    /** Keep the command's stdout here (default: discarded). */
    stdoutFile?: string;
    /** Also read its peak resident memory (with GNU time; left out without it). */
    peakMemory?: boolean;
  } = {},
): Promise<Cost> {
  const rssFile = `/tmp/bench-rss-${process.pid}`;
  const withRss = options.peakMemory === true && existsSync(GNU_TIME);
  const argv = withRss
    ? [GNU_TIME, '-f', '%M', '-o', rssFile, command, ...args]
    : [command, ...args];
  const script =
    'start=$(date +%s%N); "$@" >"$BENCH_STDOUT" 2>"$BENCH_STDERR"; rc=$?; end=$(date +%s%N); times; echo "wall $start $end"; exit $rc';
  const stderrFile = `/tmp/bench-stderr-${process.pid}`;
  const child = spawn('bash', ['-c', script, 'bench', ...argv], {
    cwd: options.cwd,
    env: {
      ...(options.env ?? process.env),
      BENCH_STDERR: stderrFile,
      BENCH_STDOUT: options.stdoutFile ?? '/dev/null',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    throw new Error(`${command} exited ${code}: ${readFileSync(stderrFile, 'utf8').slice(-2000)}`);
  }
  const lines = out.trim().split('\n');
  // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.056s".
  const children = lines[1]!.split(/\s+/).map(parseDuration);
  const wall = /^wall (\d+) (\d+)$/.exec(lines[2]!)!;
  const peak = withRss ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) : NaN;
  if (withRss) rmSync(rssFile, { force: true });
  return {
    wallSeconds: (Number(wall[2]) - Number(wall[1])) / 1e9,
    cpuSeconds: children[0]! + children[1]!,
    ...(Number.isFinite(peak) ? { peakMiB: Math.round(peak / 1024) } : {}),
  };
}

/** A duration as bash's `times` prints it: "1m2.345s". */
export function parseDuration(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`unexpected times output: ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
