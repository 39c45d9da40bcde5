/**
 * One ffmpeg run, as data: what every argument builder returns and the adapter runs. `toArgv`
 * turns it into the exact argv the adapter runs (through fluent-ffmpeg) and the benchmark runs
 * directly. Output paths are relative to `cwd`, the job's output directory, so nothing here
 * needs shell or tee escaping.
 */
export interface FfmpegInvocation {
  readonly cwd: string;
  readonly input: string;
  readonly inputOptions: readonly string[];
  /** Inputs after the first (1, 2, ... in maps), each with its own options. */
  readonly moreInputs?: readonly { readonly input: string; readonly options: readonly string[] }[];
  /** Empty for a run without a filter graph. */
  readonly complexFilter: string;
  readonly outputs: readonly { readonly target: string; readonly options: readonly string[] }[];
  /** Directories (relative to cwd) that must exist before ffmpeg starts. */
  readonly directories: readonly string[];
}

/** Where the worker's ffmpeg and ffprobe are (the image's static build, or the machine's). */
export interface FfmpegPaths {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
}

/** The argv after `ffmpeg`, in the order fluent-ffmpeg emits it (a test pins the two together). */
export function toArgv(inv: FfmpegInvocation): string[] {
  return [
    ...inv.inputOptions,
    '-i',
    inv.input,
    ...(inv.moreInputs ?? []).flatMap((m) => [...m.options, '-i', m.input]),
    '-y',
    ...(inv.complexFilter ? ['-filter_complex', inv.complexFilter] : []),
    ...inv.outputs.flatMap((o) => [...o.options, o.target]),
  ];
}
