/**
 * The Go parsers KEDA reads its settings with, so the stand-in accepts and refuses the same
 * strings: strconv.ParseBool, strconv.ParseInt (base 10), strconv.ParseFloat and
 * encoding/json's integers (KEDA's typed config fills an int64 field with json.Unmarshal).
 * Each returns undefined where Go returns an error.
 */

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** strconv.ParseBool: 1, t, T, TRUE, true, True and 0, f, F, FALSE, false, False. */
export function goParseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, within int64. */
export function goParseInt(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? toSafeInt64(s) : undefined;
}

/** json.Unmarshal into an int64: JSON's integer grammar (no '+', no leading zeros, no '.5'). */
export function jsonInt64(s: string): number | undefined {
  return /^-?(0|[1-9]\d*)$/.test(s) ? toSafeInt64(s) : undefined;
}

/**
 * strconv.ParseFloat(s, 64) for what a ScaledJob would carry: decimal numbers with an optional
 * exponent, and Inf/Infinity/NaN in any case. Hexadecimal floats and digit underscores (which
 * Go also takes) are refused here; no percentage is written that way.
 */
export function goParseFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : undefined;
}

/**
 * An int64 as a JavaScript number. Values past 2^53 cannot be held exactly; the stand-in
 * refuses them rather than round (no queue or replica count comes near).
 */
function toSafeInt64(s: string): number | undefined {
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return undefined;
  const n = Number(big);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${s} is an int64 too large to hold exactly`);
  return n;
}
