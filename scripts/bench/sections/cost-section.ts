import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDeploymentConfig } from '../../../charts/config/config.ts';
import { fargateSize } from '../../../charts/constructs/fargate-size.ts';
import {
  fargateCostPerSourceMinute,
  fargatePodHourly,
  mediaConvertCostPerSourceMinute,
  PRICES,
  type PodSize,
} from '../cost.ts';
import { pad, percent, round } from '../format.ts';
import type { LadderResult } from '../ladder.ts';
import type { WorkerJobResult } from '../worker-job.ts';

export interface CostReport {
  readonly prices: typeof PRICES;
  readonly pod: PodSize & { readonly hourly: number; readonly from: string };
  readonly workerCpuOverhead: number;
  readonly perSource: readonly {
    readonly source: string;
    readonly cpuSecondsPerSourceMinute: number;
    readonly efficiency: number;
    readonly podSeconds: number;
    readonly fargate: number;
    readonly mediaConvert: number;
    readonly mediaConvertOutputs: number;
    readonly ratio: number;
  }[];
}

/**
 * Cost per source minute (`--only cost`, from the ladder section's single-decode runs): the
 * example environment's Fargate pod beside MediaConvert's list price for the same ladder.
 */
export function costSection(options: {
  readonly root: string;
  readonly cpus: number;
  readonly ladder: readonly LadderResult[];
  readonly job?: WorkerJobResult;
}): CostReport {
  const { root } = options;
  const envFile = join(root, 'charts', 'environments', 'example.yaml');
  const config = parseDeploymentConfig(parseYaml(readFileSync(envFile, 'utf8')), envFile);
  const size = fargateSize(config.worker.cpu, config.worker.memoryMiB);
  const pod: PodSize = {
    vcpu: size.vcpu,
    memoryGiB: size.memoryGiB,
    ephemeralGiB: config.worker.workVolumeGiB + 1,
  };
  // The worker's own CPU beside ffmpeg, from the job section when it ran (else none assumed).
  const workerCpuOverhead = options.job?.overhead.cpuShare ?? 0;
  const perSource = options.ladder.map((l) => {
    const heights = l.rungs.map((r) => Number.parseInt(r, 10));
    const cpuPerMinute = ((l.single.cpuSeconds / l.seconds) * 60) / (1 - workerCpuOverhead);
    const efficiency = l.single.cpuSeconds / (l.single.wallSeconds * options.cpus);
    const fargate = fargateCostPerSourceMinute(cpuPerMinute, pod, efficiency);
    const mc = mediaConvertCostPerSourceMinute(heights, 2);
    return {
      source: l.source,
      cpuSecondsPerSourceMinute: round(cpuPerMinute),
      efficiency: round(efficiency),
      podSeconds: round(fargate.podSeconds),
      fargate: fargate.dollars,
      mediaConvert: mc.dollars,
      mediaConvertOutputs: mc.outputs,
      ratio: round(mc.dollars / fargate.dollars),
    };
  });
  const cost: CostReport = {
    prices: PRICES,
    pod: { ...pod, hourly: fargatePodHourly(pod), from: 'charts/environments/example.yaml' },
    workerCpuOverhead,
    perSource,
  };
  console.log(
    `\nCost per source minute (list prices ${PRICES.region}, recorded ${PRICES.recorded}; scripts/bench/cost.ts)`,
  );
  console.log(
    `  Fargate pod ${pod.vcpu} vCPU / ${pod.memoryGiB} GB / ${pod.ephemeralGiB} GiB storage = $${fargatePodHourly(pod).toFixed(5)}/h, from (b)'s CPU-s + the worker's ${percent(workerCpuOverhead)};`,
  );
  console.log(
    '  MediaConvert Basic tier, the same ladder: every rung in HLS and MP4 is an output (HD from 720p)',
  );
  console.log(
    pad(
      [
        'source',
        'CPU-s/min',
        'vCPU use',
        'pod s/min',
        'Fargate $',
        'MC outputs',
        'MC $',
        'MC/Fargate',
      ],
      11,
    ),
  );
  for (const c of perSource) {
    console.log(
      pad(
        [
          c.source,
          c.cpuSecondsPerSourceMinute.toFixed(0),
          percent(c.efficiency),
          c.podSeconds.toFixed(0),
          c.fargate.toFixed(5),
          String(c.mediaConvertOutputs),
          c.mediaConvert.toFixed(4),
          `${c.ratio.toFixed(0)}x`,
        ],
        11,
      ),
    );
  }
  console.log(
    "  (a job shorter than a minute pays Fargate's one-minute minimum; image pull and pod start are billed too)",
  );
  return cost;
}
