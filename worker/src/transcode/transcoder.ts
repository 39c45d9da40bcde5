import { assemble, type AssembleInput } from './assemble.ts';
import { encodeAudio, type AudioInput, type AudioOutcome } from './audio.ts';
import { encodeChunk, type ChunkInput } from './chunk.ts';
import { DEFAULT_SCALER } from './encode/ladder-run.ts';
import type { Encoders } from './encode/video/encoder.ts';
import { codecsRefusal, defaultEncoders } from './encode/video/encoders.ts';
import { listEncoders } from './ffmpeg/encoder-list.ts';
import { InvalidMessageError } from '../base/errors.ts';
import type { VideoCodec } from '../contract/ladder-presets.ts';
import { fpsExpression } from './ffmpeg/expressions.ts';
import type { FfmpegPaths } from './ffmpeg/invocation.ts';
import type { TranscodeResult } from './finish/result.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { planLadder } from './ladder/ladder.ts';
import type { TranscodeRequest } from './ladder/plan.ts';
import { transcodeOnce } from './single-run.ts';
import { readSource } from './source/read-source.ts';
import type { PublishedRung } from './progressive/tracks.ts';
import type { SourceInfo } from './source/source-info.ts';
import type { MediaLimits } from './source/source-checks.ts';
import { cutAudioPiece, type AudioPiece } from './split/audio-piece.ts';
import {
  DEFAULT_CHUNKING,
  planChunks,
  type ChunkPlan,
  type ChunkSettings,
} from './split/chunks.ts';
import { cutPieces, type PieceOutcome } from './split/pieces.ts';

export interface TranscoderOptions {
  readonly paths: FfmpegPaths;
  readonly limits: MediaLimits;
  /**
   * Encoders replacing the defaults of their codecs (the benchmark's sweeps).
   * @default each codec's at the benchmark's settings (encode/video/encoders.ts)
   */
  readonly encoders?: Partial<Encoders>;
  /** @default 'bicubic' */
  readonly scaler?: string;
  /** @default 4 */
  readonly segmentSeconds?: number;
}

/**
 * The transcoding engine, as the job use case sees it (job/base/ports.ts): one method per operation,
 * each in a module of its own beside this one (single-run.ts, chunk.ts, audio.ts, assemble.ts)
 * or in the stage it belongs to (source/, split/).
 */
export class Transcoder {
  readonly #env: TranscodeEnv;
  #encoderList?: Promise<Set<string>>;

  constructor(options: TranscoderOptions) {
    this.#env = {
      paths: options.paths,
      limits: options.limits,
      encoders: defaultEncoders(options.encoders),
      scaler: options.scaler ?? DEFAULT_SCALER,
      segmentSeconds: options.segmentSeconds ?? 4,
    };
  }

  /**
   * Refuses, before anything is downloaded, codecs this worker's ffmpeg has no encoder for
   * (InvalidMessageError, naming those it has). ffmpeg is asked once per process.
   */
  async checkCodecs(codecs: readonly VideoCodec[], signal?: AbortSignal): Promise<void> {
    // A failed listing (an abort, ffmpeg missing) is not kept: the next job asks again.
    this.#encoderList ??= listEncoders(this.#env.paths, signal).catch((err: unknown) => {
      this.#encoderList = undefined;
      throw err;
    });
    const refusal = codecsRefusal(codecs, this.#env.encoders, await this.#encoderList);
    if (refusal) throw new InvalidMessageError(refusal);
  }

  /** The source's streams, checked and described, or a refusal (source/read-source.ts). */
  probe(sourcePath: string, signal?: AbortSignal): Promise<SourceInfo> {
    return readSource(this.#env.paths, this.#env.limits, sourcePath, signal);
  }

  /** A whole source by one Job: the ladder, its playlists and manifests (single-run.ts). */
  transcode(input: TranscodeInput): Promise<TranscodeResult> {
    return transcodeOnce(this.#env, input);
  }

  /**
   * The chunks a long source is cut into (split/chunks.ts), or undefined when one run should do
   * it. Every chunk boundary is a segment boundary of every rung.
   */
  planChunks(
    source: SourceInfo,
    request: TranscodeRequest,
    settings: ChunkSettings = DEFAULT_CHUNKING,
  ): ChunkPlan | undefined {
    const rungs = planLadder(source, request.ladder);
    return planChunks({
      durationSeconds: source.video.durationSeconds,
      frameRate: fpsExpression(source.video.frameRate),
      frameStep: Math.max(...rungs.map((r) => r.frameStep)),
      segmentSeconds: this.#env.segmentSeconds,
      settings,
    });
  }

  /**
   * Each chunk's piece of a long source, stream-copied into `outDir` (split/pieces.ts): a
   * chunk's Job downloads its piece, not the whole source. A chunk without one reads the whole
   * source.
   */
  cutPieces(input: {
    readonly sourcePath: string;
    readonly source: SourceInfo;
    readonly chunks: ChunkPlan;
    readonly outDir: string;
    readonly signal: AbortSignal;
    /** Told of each piece as soon as it is cut (or dropped), in order. */
    readonly onPiece?: (outcome: PieceOutcome) => Promise<void>;
  }): Promise<PieceOutcome[]> {
    return cutPieces(this.#env.paths, input);
  }

  /**
   * The audio track of a long source alone, stream-copied into `outDir` and checked to decode
   * as the source's does (split/audio-piece.ts): the audio's Job downloads it instead.
   */
  cutAudioPiece(input: {
    readonly sourcePath: string;
    readonly source: SourceInfo;
    readonly outDir: string;
    readonly signal: AbortSignal;
  }): Promise<AudioPiece | { readonly reason: string }> {
    return cutAudioPiece(this.#env.paths, input);
  }

  /** One chunk's video, every rung (chunk.ts): what of it is published as it is, per rung. */
  encodeChunk(input: ChunkInput): Promise<readonly PublishedRung[]> {
    return encodeChunk(this.#env, input);
  }

  /** A chunked source's audio, whole (audio.ts). */
  encodeAudio(input: AudioInput): Promise<AudioOutcome> {
    return encodeAudio(this.#env, input);
  }

  /** A chunked source's parts joined into a single run's outputs (assemble.ts). */
  assemble(input: AssembleInput): Promise<TranscodeResult> {
    return assemble(this.#env, input);
  }
}
