import type { WorkerDeps } from '../../worker/src/job/base/ports.ts';

/** The transcoder's methods, bound to it, so a test can spread them and wrap one. */
export function boundTranscoder(t: WorkerDeps['transcoder']): WorkerDeps['transcoder'] {
  return {
    probe: t.probe.bind(t),
    transcode: t.transcode.bind(t),
    planChunks: t.planChunks.bind(t),
    cutPieces: t.cutPieces.bind(t),
    cutAudioPiece: t.cutAudioPiece.bind(t),
    encodeChunk: t.encodeChunk.bind(t),
    encodeAudio: t.encodeAudio.bind(t),
    assemble: t.assemble.bind(t),
  };
}
