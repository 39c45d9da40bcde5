import { describe, expect, it } from 'vitest';
import { decidePicture } from './picture-path.ts';
import {
  deinterlaceFilters,
  interlaceCheckNeeded,
  parseIdet,
  withDetectedInterlacing,
} from './interlace.ts';
import { preSplitFilters, scalerColour } from './colour.ts';

const hd = { index: 0, codec_type: 'video', width: 1920, height: 1080 };

describe('decidePicture', () => {
  it('leaves ordinary progressive BT.709 video alone', () => {
    expect(
      decidePicture({ ...hd, color_space: 'bt709', color_range: 'tv', field_order: 'progressive' }),
    ).toEqual({ matrix: 'bt709', range: 'tv', notes: [] });
    // Untagged HD is BT.709, as players take it.
    expect(decidePicture(hd)).toEqual({ matrix: 'bt709', range: 'tv', notes: [] });
  });

  it('takes untagged SD as BT.601 and converts it', () => {
    const p = decidePicture({ index: 0, width: 720, height: 576 });
    expect(p).toMatchObject({ matrix: 'bt601', range: 'tv' });
    expect(p.notes).toEqual(['colours in bt601 (untagged SD): converted to BT.709']);
  });

  it('tone-maps PQ and HLG, whatever the codec, and deinterlaces by the field order', () => {
    expect(decidePicture({ ...hd, color_transfer: 'smpte2084' })).toMatchObject({
      toneMap: 'pq',
      matrix: 'bt709',
    });
    expect(
      decidePicture({ ...hd, color_transfer: 'arib-std-b67', field_order: 'bb' }),
    ).toMatchObject({ toneMap: 'hlg', deinterlace: 'bb' });
    for (const field of ['tt', 'bb', 'tb', 'bt'])
      expect(decidePicture({ ...hd, field_order: field }).deinterlace).toBe(field);
    for (const field of ['progressive', 'unknown', undefined])
      expect(decidePicture({ ...hd, field_order: field }).deinterlace).toBeUndefined();
  });

  it('reads full range from the tag or a JPEG-range pixel format', () => {
    expect(decidePicture({ ...hd, color_range: 'pc' }).range).toBe('pc');
    expect(decidePicture({ ...hd, pix_fmt: 'yuvj420p' }).range).toBe('pc');
  });
});

describe('the filters', () => {
  it('deinterlaces before the rate, and tone-maps after it (fewer frames to convert)', () => {
    expect(preSplitFilters(undefined, '30')).toEqual(['fps=30']);
    const hlg = decidePicture({ ...hd, color_transfer: 'arib-std-b67', field_order: 'tt' });
    const chain = preSplitFilters(hlg, '25');
    expect(chain[0]).toMatch(/^bwdif=/);
    expect(chain[1]).toBe('fps=25');
    expect(chain.slice(2).join(',')).toBe(
      'zscale=tin=arib-std-b67:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p',
    );
  });

  it('has the scalers convert to BT.709 limited from what the frames carry', () => {
    expect(scalerColour({ matrix: 'smpte170m', range: 'pc' })).toBe(
      'in_color_matrix=smpte170m:out_color_matrix=bt709:in_range=full:out_range=limited',
    );
  });
});

describe('interlacing the stream does not declare', () => {
  const progressive = decidePicture({ ...hd, field_order: 'progressive' });

  it('samples only interlaced formats (480/576/1080 at most 30 fps) not declared interlaced', () => {
    const video = { codec: 'mpeg2video', height: 576, frameRate: 25, picture: progressive };
    expect(interlaceCheckNeeded(video)).toBe(true);
    expect(interlaceCheckNeeded({ ...video, codec: 'vp9' })).toBe(false);
    expect(interlaceCheckNeeded({ ...video, height: 720 })).toBe(false);
    expect(interlaceCheckNeeded({ ...video, frameRate: 50 })).toBe(false);
    const declared = decidePicture({ ...hd, field_order: 'bb' });
    expect(interlaceCheckNeeded({ ...video, picture: declared })).toBe(false);
  });

  it("reads idet's verdict and deinterlaces with the field order it found", () => {
    const counts = parseIdet(
      '[Parsed_idet_0 @ 0x1] Single frame detection: TFF:    70 BFF:     0 Progressive:     3 Undetermined:     2\n' +
        '[Parsed_idet_0 @ 0x1] Multi frame detection: TFF:    74 BFF:     0 Progressive:     1 Undetermined:     0\n',
    );
    expect(counts).toEqual({ tff: 74, bff: 0, progressive: 1, undetermined: 0 });
    const found = withDetectedInterlacing(progressive, counts!);
    expect(found.deinterlace).toBe('tt');
    expect(found.notes[0]).toMatch(/found by idet in 74 of 75 sampled frames/);
    expect(deinterlaceFilters(found)).toEqual(['bwdif=mode=send_frame:parity=tff:deint=all']);
    const bff = withDetectedInterlacing(progressive, {
      tff: 2,
      bff: 40,
      progressive: 5,
      undetermined: 0,
    });
    expect(deinterlaceFilters(bff)).toEqual(['bwdif=mode=send_frame:parity=bff:deint=all']);
    // Declared by the stream: the frames' own flags decide, frame by frame.
    expect(deinterlaceFilters(decidePicture({ ...hd, field_order: 'tt' }))).toEqual([
      'bwdif=mode=send_frame:parity=auto:deint=all',
    ]);
  });

  it('changes nothing on progressive, undecided or too small samples', () => {
    for (const counts of [
      { tff: 3, bff: 2, progressive: 190, undetermined: 5 },
      { tff: 8, bff: 0, progressive: 2, undetermined: 190 },
      { tff: 30, bff: 30, progressive: 60, undetermined: 0 },
      // A progressive test pattern, as idet measured it: combing in both orders at once.
      { tff: 38, bff: 25, progressive: 12, undetermined: 0 },
    ]) {
      expect(withDetectedInterlacing(progressive, counts)).toBe(progressive);
    }
    expect(parseIdet('no verdict')).toBeUndefined();
  });
});
