import { describe, expect, it } from 'vitest';
import { parseJobMessage } from './message.ts';

describe('parseJobMessage', () => {
  const body = JSON.stringify({ version: 1, jobId: 'a-1', input: 's3://media/in/a.mp4' });

  it('accepts a body that starts with a UTF-8 byte-order mark, as some tools write it', () => {
    const parsed = parseJobMessage(`\uFEFF${body}`, 65_536);
    expect(parsed).toMatchObject({ ok: true, value: { jobId: 'a-1' } });
    expect(parseJobMessage(body, 65_536)).toEqual(parsed);
  });

  it('still refuses a body that is not JSON, naming the problem', () => {
    const parsed = parseJobMessage('\uFEFFnot json', 65_536);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^message body is not JSON/);
  });
});
