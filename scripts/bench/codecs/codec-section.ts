import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LADDER_PRESETS } from '../../../worker/src/contract/ladder-presets.ts';
import { DEFAULT_SVT_AV1 } from '../../../worker/src/transcode/encode/video/av1.ts';
import { DEFAULT_X265 } from '../../../worker/src/transcode/encode/video/hevc.ts';
import { runFfprobe } from '../../../worker/src/transcode/ffmpeg/ffprobe.ts';
import { planLadder } from '../../../worker/src/transcode/ladder/ladder.ts';
import { interpretProbe } from '../../../worker/src/transcode/source/probe.ts';
import { mark, pad } from '../format.ts';
import { ratePoints } from '../quality/rate-points.ts';
import { SETUP_COMMAND, type VmafFfmpeg, type VmafTool } from '../quality/vmaf-setup.ts';
import { VMAF_MODEL } from '../quality/vmaf.ts';
import { benchSources } from '../sources.ts';
import { codecLadder, type CodecLadder } from './codec-ladder.ts';
import {
  bdRateOrWhy,
  crfForVmaf,
  curveCrfs,
  defaultContenders,
  meanCpu,
  sweepContenders,
  TARGETS,
  type Contender,
  type Curve,
} from './codec-plan.ts';

/** The standard ladder's CRF: the point every curve is centred on. */
const STANDARD_CRF = LADDER_PRESETS.standard.crf;

/** One source compared in every codec. */
export interface CodecSourceResult {
  readonly source: string;
  /** The rung the curves are measured on: the top of the source's standard ladder. */
  readonly rung: string;
  readonly curves: readonly Curve[];
  /** Against the first curve (x264 at the worker's preset), percent; or why there is none. */
  readonly bdRate: Readonly<Record<string, number | string>>;
  /** The ladder CRF at which each other curve reaches the anchor's VMAF at the preset's CRF. */
  readonly equalQualityCrf: Readonly<Record<string, number | null>>;
  readonly ladders: readonly CodecLadder[];
}

export interface CodecReport {
  readonly ladderCrf: number;
  readonly sources: readonly CodecSourceResult[];
  /** More presets, on the first source (camera). */
  readonly sweep?: CodecSourceResult;
}

/** The real file the comparison adds when it is on this machine (AndroidX Media's test assets). */
export const DEFAULT_REAL_FILE =
  '../shared/media/androidx/mp4_internal_emulator_transformer_output.mp4';

/**
 * The benchmark's codec comparison (`--only codecs`): for every source, the top rung in each
 * codec at five CRFs without a peak cap (the curve the CRF alone draws), VMAF and CPU per
 * point, BD-rate (VMAF) of HEVC and AV1 against x264; then the whole standard ladder in each
 * codec with the worker's caps (CPU, peak memory, bits, the top rung's VMAF); on the camera
 * source, a preset sweep. Without the VMAF meter only the ladders' cost is measured.
 */
export async function codecSection(options: {
  readonly dir: string;
  readonly seconds: number;
  readonly smoke: boolean;
  readonly vmaf: VmafTool;
  /** A real file to compare on too (skipped with a note when it is not there). */
  readonly real?: string;
}): Promise<CodecReport> {
  const { dir, seconds, smoke } = options;
  const meter = 'missing' in options.vmaf ? undefined : options.vmaf;
  const work = join(dir, 'work', 'codecs');
  const generated = await benchSources(
    dir,
    seconds,
    smoke ? ['screen'] : ['camera', 'screen', 'animation'],
  );
  const files: { name: string; path: string }[] = generated.map((s) => ({
    name: s.name,
    path: s.path,
  }));
  if (!smoke && options.real) {
    if (existsSync(options.real)) files.push({ name: 'real', path: options.real });
    else console.log(`\n(codecs: no real file at ${options.real}; pass --real FILE to add one)`);
  }
  const crfs = curveCrfs(STANDARD_CRF);
  console.log(
    `\nCodecs: each source's top rung at ladder CRF ${crfs.join(', ')} (the standard preset's is ${STANDARD_CRF}), no peak cap, video only;`,
  );
  console.log(
    `  x265 CRF = ladder CRF + ${DEFAULT_X265.crfOffset}; SVT-AV1 CRF = ladder CRF x ${DEFAULT_SVT_AV1.crfScale} + ${DEFAULT_SVT_AV1.crfOffset} (the worker's mappings);`,
  );
  console.log(
    meter
      ? `  VMAF ${VMAF_MODEL} (rung upscaled bicubic to the source); BD-rate against x264 by VMAF (VCEG-M33): negative = fewer bits for the same VMAF`
      : `  VMAF: not measured (run ${SETUP_COMMAND}): only the ladders' cost below`,
  );
  const sources: CodecSourceResult[] = [];
  for (const file of files) {
    sources.push(
      await compareOn(file, defaultContenders(), { crfs, work, ...(meter ? { meter } : {}) }),
    );
  }
  let sweep: CodecSourceResult | undefined;
  if (!smoke && meter && files[0]) {
    const anchor = defaultContenders()[0]!;
    console.log(`\nPreset sweep on ${files[0].name} (same CRFs; ${anchor.label} the anchor):`);
    sweep = await compareOn(files[0], [anchor, ...sweepContenders()], {
      crfs,
      work,
      meter,
      ladders: false,
    });
  }
  if (meter) summarize(sources, sweep);
  return { ladderCrf: STANDARD_CRF, sources, ...(sweep ? { sweep } : {}) };
}

async function compareOn(
  file: { name: string; path: string },
  contenders: readonly Contender[],
  options: {
    crfs: readonly number[];
    work: string;
    meter?: VmafFfmpeg;
    ladders?: boolean;
  },
): Promise<CodecSourceResult> {
  const info = interpretProbe(
    await runFfprobe({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' }, file.path),
  );
  const rung = planLadder(info, 'standard')[0]!;
  const curves: Curve[] = [];
  const bd: Record<string, number | string> = {};
  const equal: Record<string, number | null> = {};
  if (options.meter) {
    console.log(
      pad([`${file.name} ${rung.name}`, 'CPU-s/enc', 'x anchor', 'BD-rate', 'kbps', 'VMAF'], 24),
    );
    for (const c of contenders) {
      const points = await ratePoints({
        source: file.path,
        rung,
        encoder: c.encoder,
        crfs: options.crfs,
        meter: options.meter,
        workDir: options.work,
      });
      const curve: Curve = {
        label: c.label,
        codec: c.codec,
        points: points.map((p) => ({
          crf: p.crf,
          kbps: p.kbps,
          vmaf: p.vmaf,
          cpuSeconds: Math.round(p.cost.cpuSeconds * 10) / 10,
        })),
      };
      curves.push(curve);
      const anchor = curves[0]!;
      if (curve !== anchor) {
        bd[c.label] = bdRateOrWhy(anchor, curve);
        const anchorVmaf = anchor.points.find((p) => p.crf === STANDARD_CRF)?.vmaf;
        equal[c.label] = anchorVmaf === undefined ? null : (crfForVmaf(curve, anchorVmaf) ?? null);
      }
      const rate = bd[c.label];
      console.log(
        pad(
          [
            c.label,
            meanCpu(curve).toFixed(1),
            `${(meanCpu(curve) / meanCpu(anchor)).toFixed(2)}x`,
            rate === undefined ? 'anchor' : typeof rate === 'number' ? `${rate}%` : 'n/a',
            curve.points.map((p) => Math.round(p.kbps)).join('/'),
            curve.points.map((p) => p.vmaf.toFixed(1)).join('/'),
          ],
          24,
        ),
      );
      if (typeof rate === 'string') console.log(`    ${rate}`);
    }
  }
  const ladders: CodecLadder[] = [];
  if (options.ladders !== false) {
    console.log(
      pad(
        [
          `  ${file.name}: whole ladder`,
          'CPU-s',
          'x H.264',
          'wall s',
          'peak MiB',
          'all kbps',
          'top kbps',
          'top VMAF',
          'VMAF p5',
        ],
        24,
      ),
    );
    for (const c of contenders.filter((x) => x.isDefault)) {
      const l = await codecLadder({
        sourcePath: file.path,
        codec: c.codec,
        label: c.label,
        encoder: c.encoder,
        workDir: options.work,
        ...(options.meter ? { meter: options.meter } : {}),
      });
      ladders.push(l);
      const cpu = (x: CodecLadder) => x.cost.cpuSeconds;
      const ratio = cpu(l) / cpu(ladders[0]!);
      console.log(
        pad(
          [
            `  ${c.label}`,
            cpu(l).toFixed(1),
            c.codec === 'av1' ? mark(ratio, TARGETS.av1LadderCpu) : `${ratio.toFixed(2)}x`,
            l.cost.wallSeconds.toFixed(1),
            String(l.cost.peakMiB ?? '-'),
            String(l.totalKbps),
            String(l.top.kbps),
            l.top.vmaf?.mean.toFixed(2) ?? '-',
            l.top.vmaf?.p5.toFixed(2) ?? '-',
          ],
          24,
        ),
      );
    }
  }
  return {
    source: file.name === 'real' ? `real (${basename(file.path)})` : file.name,
    rung: rung.name,
    curves,
    bdRate: bd,
    equalQualityCrf: equal,
    ladders,
  };
}

function summarize(sources: readonly CodecSourceResult[], sweep?: CodecSourceResult): void {
  const labels = [...new Set(sources.flatMap((s) => Object.keys(s.bdRate)))];
  console.log(
    `\nBD-rate by VMAF against ${sources[0]?.curves[0]?.label ?? 'x264'} (the top rung, uncapped CRF curves):`,
  );
  console.log(pad(['source', ...labels], 28));
  for (const s of sources) {
    const cell = (l: string) => {
      const v = s.bdRate[l];
      if (typeof v !== 'number') return 'n/a';
      if (!s.source.startsWith('camera')) return `${v}%`;
      const codec = s.curves.find((c) => c.label === l)?.codec;
      const target = codec === 'av1' ? TARGETS.av1CameraBdRate : TARGETS.hevcCameraBdRate;
      return mark(v, target, (n) => `${n}%`);
    };
    console.log(pad([s.source, ...labels.map(cell)], 28));
  }
  console.log(
    `  targets on camera: AV1 <= ${TARGETS.av1CameraBdRate}%, HEVC <= ${TARGETS.hevcCameraBdRate}%; AV1's whole ladder <= ${TARGETS.av1LadderCpu}x H.264's CPU`,
  );
  console.log(
    `  equal quality: the ladder CRF at which each codec matches x264's VMAF at CRF ${STANDARD_CRF} (today each maps ${STANDARD_CRF} as above):`,
  );
  for (const s of [...sources, ...(sweep ? [sweep] : [])]) {
    const parts = Object.entries(s.equalQualityCrf).map(
      ([label, crf]) => `${label} ${crf ?? 'outside the curve'}`,
    );
    console.log(`    ${s.source}${s === sweep ? ' (sweep)' : ''}: ${parts.join(', ')}`);
  }
  if (sweep) {
    console.log(
      `  preset sweep on ${sweep.source}: ${Object.entries(sweep.bdRate)
        .map(([label, v]) => `${label} ${typeof v === 'number' ? `${v}%` : 'n/a'}`)
        .join(', ')}`,
    );
  }
}
