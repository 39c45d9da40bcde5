import { describe, expect, it } from 'vitest';
import { isTimeZone, translateCron } from './cron.ts';

describe('translateCron', () => {
  it.each([
    ['0 7 * * MON', 'cron(0 7 ? * 2 *)'],
    ['0 7 * * 1', 'cron(0 7 ? * 2 *)'],
    ['0 7 * * 0', 'cron(0 7 ? * 1 *)'],
    ['0 7 * * 7', 'cron(0 7 ? * 1 *)'],
    ['30 22 * * 1-5', 'cron(30 22 ? * 2-6 *)'],
    ['0 9 * * MON-FRI', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * 5-7', 'cron(0 9 ? * 1,6,7 *)'],
    ['0 9 * * sat,sun', 'cron(0 9 ? * 1,7 *)'],
    ['0 */6 * * *', 'cron(0 */6 * * ? *)'],
    ['*/15 * * * *', 'cron(*/15 * * * ? *)'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)'],
    ['0 12 1,15 * *', 'cron(0 12 1,15 * ? *)'],
    ['0 0 1 JAN,JUL *', 'cron(0 0 1 1,7 ? *)'],
    ['5 4 * jan-mar *', 'cron(5 4 * 1-3 ? *)'],
    ['0 6 * * */2', 'cron(0 6 ? * 1,3,5,7 *)'],
    ['0 6 * * 1-5/2', 'cron(0 6 ? * 2,4,6 *)'],
    ['0 8 L * *', 'cron(0 8 L * ? *)'],
    ['0 8 15W * *', 'cron(0 8 15W * ? *)'],
    ['0 8 * * 5L', 'cron(0 8 ? * 6L *)'],
    ['0 8 * * MON#2', 'cron(0 8 ? * 2#2 *)'],
    ['10 3 ? * *', 'cron(10 3 * * ? *)'],
    ['0/20 8-18 * * *', 'cron(0/20 8-18 * * ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['@yearly', 'cron(0 0 1 1 ? *)'],
  ])('translates %s to %s', (input, expected) => {
    expect(translateCron(input)).toMatchObject({ ok: true, expression: expected });
  });

  it.each([
    ['0 7 1 * MON', /both day-of-month and day-of-week are set/],
    ['0 7 * *', /expected 5 fields .* got 4/],
    ['0 7 * * * 2027', /expected 5 fields .* got 6; the year EventBridge wants is added for you/],
    ['60 * * * *', /minute: 60 is not between 0 and 59/],
    ['0 24 * * *', /hour: 24 is not between 0 and 23/],
    ['0 0 0 * *', /day-of-month: 0 is not between 1 and 31/],
    ['0 0 * 13 *', /month: 13 is not between 1 and 12/],
    ['0 0 * * 8', /day-of-week: 8 is not between 0 and 7/],
    ['0 0 * * FUNDAY', /day-of-week: "FUNDAY" is not a number or a name/],
    ['0 0 * FOO *', /month: "FOO" is not a number or a name/],
    ['*/0 * * * *', /the step in "\*\/0" must be a whole number from 1/],
    ['0 17-9 * * *', /hour: the range "17-9" runs backwards/],
    ['0 0 * * 1,,2', /empty list item/],
    ['? 0 * * *', /"\?" is only for day-of-month or day-of-week/],
    ['@reboot', /@reboot runs at start-up/],
    ['@fortnightly', /not a cron macro/],
    ['0 0 32W * *', /day-of-month: 32 is not between 1 and 31/],
    ['*/90 * * * *', /the step 90 is larger than the field's range/],
  ])('refuses %s, saying why', (input, reason) => {
    const result = translateCron(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(reason);
  });
});

describe('isTimeZone', () => {
  it('knows IANA zones and refuses the rest', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('../../etc')).toBe(false);
  });
});
