import { DEFAULT_SCALER } from '../../worker/src/transcode/encode/ladder-run.ts';
import type { Encoders } from '../../worker/src/transcode/encode/video/encoder.ts';
import { defaultEncoders } from '../../worker/src/transcode/encode/video/encoders.ts';
import {
  DEFAULT_X264,
  h264Encoder,
  type X264Settings,
} from '../../worker/src/transcode/encode/video/h264.ts';

/** The knobs the benchmark's sweep turns: x264's, and the scaler of the downscales. */
export interface EncoderSettings extends X264Settings {
  readonly scaler: string;
}

/** What the worker runs with (transcoder.ts's defaults). */
export const DEFAULT_ENCODER: EncoderSettings = { ...DEFAULT_X264, scaler: DEFAULT_SCALER };

/** The ladder run's encoders (x264 under these settings) and scaler. */
export function ladderEncoding(settings: EncoderSettings): {
  readonly encoders: Encoders;
  readonly scaler: string;
} {
  return { encoders: defaultEncoders({ h264: h264Encoder(settings) }), scaler: settings.scaler };
}
