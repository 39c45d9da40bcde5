/**
 * Translates the 5-field cron a person types (`minute hour day-of-month month day-of-week`,
 * Vixie cron syntax) into EventBridge Scheduler's 6-field `cron(...)`, or says in words why
 * EventBridge cannot express it.
 *
 * The differences handled: EventBridge adds a year field; one of day-of-month and day-of-week
 * must be `?`; day-of-week counts 1 = Sunday .. 7 = Saturday (cron: 0 or 7 = Sunday); and
 * day-of-week takes no `/` step (steps are expanded to a list). EventBridge's `L`, `W` and `#`
 * are accepted where it accepts them.
 */
export type CronTranslation =
  { ok: true; expression: string; fields: string[] } | { ok: false; error: string };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Value of names[0]. */
  readonly nameBase?: number;
}

const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DOM: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 };
const DOW: FieldSpec = { name: 'day-of-week', min: 0, max: 7, names: DAYS, nameBase: 0 };

class CronError extends Error {}

export function translateCron(input: string): CronTranslation {
  try {
    const text = input.trim();
    if (text === '@reboot')
      throw new CronError('@reboot runs at start-up, which a schedule does not have');
    const expanded = text.startsWith('@') ? MACROS[text.toLowerCase()] : text;
    if (expanded === undefined)
      throw new CronError(
        `${text} is not a cron macro (@hourly, @daily, @weekly, @monthly, @yearly)`,
      );
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) {
      throw new CronError(
        `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}; the year EventBridge wants is added for you`,
      );
    }
    const [minute, hour, dom, month, dow] = parts as [string, string, string, string, string];
    const fields = [
      plainField(minute, MINUTE),
      plainField(hour, HOUR),
      dayOfMonth(dom),
      plainField(month, MONTH),
      dayOfWeek(dow),
      '*',
    ];
    const domAny = fields[2] === '*' || fields[2] === '?';
    const dowAny = fields[4] === '*' || fields[4] === '?';
    if (!domAny && !dowAny) {
      throw new CronError(
        'both day-of-month and day-of-week are set; cron runs when either matches, EventBridge can only use one of them (make two schedules)',
      );
    }
    if (dowAny) {
      fields[2] = domAny ? '*' : fields[2]!;
      fields[4] = '?';
    } else {
      fields[2] = '?';
    }
    return { ok: true, expression: `cron(${fields.join(' ')})`, fields };
  } catch (err) {
    if (err instanceof CronError) return { ok: false, error: err.message };
    throw err;
  }
}

function plainField(text: string, spec: FieldSpec): string {
  if (text === '?')
    throw new CronError(`${spec.name}: "?" is only for day-of-month or day-of-week`);
  return text
    .split(',')
    .map((item) => {
      if (item === '') throw new CronError(`${spec.name}: empty list item in "${text}"`);
      const { start, end, step, star } = parseItem(item, spec);
      if (star) return step === undefined ? '*' : `*/${step}`;
      const range = end === undefined ? `${start}` : `${start}-${end}`;
      return step === undefined ? range : `${range}/${step}`;
    })
    .join(',');
}

function dayOfMonth(text: string): string {
  if (text === '?') return '?';
  if (text === 'L' || text === 'l') return 'L';
  const weekday = /^(\d{1,2})W$/i.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) throw new CronError(`day-of-month: ${day} is not between 1 and 31`);
    return `${day}W`;
  }
  return plainField(text, DOM);
}

/** Day-of-week to EventBridge's numbering; ranges and steps become explicit days. */
function dayOfWeek(text: string): string {
  if (text === '?') return '?';
  if (text === '*') return '*';
  const last = /^(\w+)L$/i.exec(text);
  if (last) return `${toEventBridgeDay(valueOf(last[1]!, DOW))}L`;
  const nth = /^(\w+)#([1-5])$/.exec(text);
  if (nth) return `${toEventBridgeDay(valueOf(nth[1]!, DOW))}#${nth[2]}`;
  const days = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronError(`day-of-week: empty list item in "${text}"`);
    const { start, end, step } = parseItem(item, DOW);
    const last = end ?? (step === undefined ? start : DOW.max);
    for (let d = start; d <= last; d += step ?? 1) days.add(toEventBridgeDay(d));
  }
  return compress([...days].sort((a, b) => a - b));
}

function toEventBridgeDay(cronDay: number): number {
  return (cronDay % 7) + 1;
}

/** [1,2,3,5,7] -> "1-3,5,7". */
function compress(values: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(j - i >= 2 ? `${values[i]}-${values[j]}` : values.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return out.join(',');
}

function parseItem(
  item: string,
  spec: FieldSpec,
): { start: number; end?: number; step?: number; star: boolean } {
  const [rangePart, stepPart, extra] = item.split('/');
  if (extra !== undefined) throw new CronError(`${spec.name}: "${item}" has more than one "/"`);
  let step: number | undefined;
  if (stepPart !== undefined) {
    if (!/^\d+$/.test(stepPart) || Number(stepPart) < 1) {
      throw new CronError(`${spec.name}: the step in "${item}" must be a whole number from 1`);
    }
    step = Number(stepPart);
    if (step > spec.max - spec.min + 1) {
      throw new CronError(`${spec.name}: the step ${step} is larger than the field's range`);
    }
  }
  if (rangePart === '*') return { start: spec.min, ...(step ? { step } : {}), star: true };
  const bounds = rangePart!.split('-');
  if (bounds.length > 2) throw new CronError(`${spec.name}: "${item}" is not a value or a range`);
  const start = valueOf(bounds[0]!, spec);
  if (bounds.length === 2) {
    const end = valueOf(bounds[1]!, spec);
    if (end < start) throw new CronError(`${spec.name}: the range "${rangePart}" runs backwards`);
    return { start, end, ...(step ? { step } : {}), star: false };
  }
  return { start, ...(step ? { step } : {}), star: false };
}

function valueOf(token: string, spec: FieldSpec): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) {
      throw new CronError(`${spec.name}: ${n} is not between ${spec.min} and ${spec.max}`);
    }
    return n;
  }
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index === -1)
    throw new CronError(
      `${spec.name}: "${token}" is not a number${spec.names ? ' or a name' : ''}`,
    );
  return index + (spec.nameBase ?? 0);
}

/** An IANA time zone EventBridge will accept, e.g. Europe/Paris. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
