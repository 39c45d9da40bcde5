import { describe, expect, it } from 'vitest';
import { bcp47, captionTrack, planSubtitles } from './subtitle-tracks.ts';
import type { ProbeStream } from '../ffmpeg/probe-json.ts';

const sub = (index: number, codec: string, over: Partial<ProbeStream> = {}): ProbeStream => ({
  index,
  codec_type: 'subtitle',
  codec_name: codec,
  ...over,
});

describe('planSubtitles', () => {
  it('takes text tracks and leaves out bitmap, teletext and unknown ones, saying why', () => {
    const plan = planSubtitles([
      { index: 0, codec_type: 'video', codec_name: 'h264' },
      sub(1, 'subrip', { tags: { language: 'eng' } }),
      sub(2, 'hdmv_pgs_subtitle'),
      sub(3, 'dvd_subtitle', { tags: { language: 'fre' } }),
      sub(4, 'mov_text', { tags: { language: 'por', title: 'Português "BR"' } }),
      sub(5, 'dvb_teletext'),
      sub(6, 'unknown', { codec_tag_string: '[0][0][0][0]' }),
      sub(7, 'ass'),
    ]);
    expect(plan.tracks.map((t) => [t.id, t.streamIndex, t.language, t.name])).toEqual([
      ['s0', 1, 'en', 'English'],
      ['s1', 4, 'pt', "Português 'BR'"],
      ['s2', 7, undefined, 'Subtitles 3'],
    ]);
    expect(plan.leftOut.map((t) => [t.streamIndex, t.reason])).toEqual([
      [2, expect.stringMatching(/^PGS \(Blu-ray\) subtitles are pictures, not text/)],
      [3, expect.stringMatching(/^VobSub \(DVD\) subtitles are pictures/)],
      [5, expect.stringMatching(/teletext/)],
      [6, 'the subtitle codec of unknown type cannot be read by this worker'],
    ]);
  });

  it('keeps a default mark only when one track has it (Matroska marks every track default)', () => {
    const one = planSubtitles([
      sub(1, 'subrip'),
      sub(2, 'subrip', { disposition: { default: 1, forced: 1 } }),
    ]);
    expect(one.tracks.map((t) => [t.default, t.forced])).toEqual([
      [false, false],
      [true, true],
    ]);
    const all = planSubtitles([
      sub(1, 'subrip', { disposition: { default: 1 } }),
      sub(2, 'subrip', { disposition: { default: 1 } }),
    ]);
    expect(all.tracks.map((t) => t.default)).toEqual([false, false]);
  });

  it('names languages in BCP 47', () => {
    expect([bcp47('eng'), bcp47('ger'), bcp47('pt-BR'), bcp47('und'), bcp47('qaa')]).toEqual([
      'en',
      'de',
      'pt-BR',
      undefined,
      undefined,
    ]);
    expect(captionTrack().name).toBe('Captions (CC1)');
    expect(captionTrack('spa').name).toBe('Spanish (CC)');
  });
});
