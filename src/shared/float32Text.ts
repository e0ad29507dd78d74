/**
 * Run files write each step value as the shortest decimal text that reads back to the
 * same float32 (the precision the metrics are measured in).
 */

/** 1e0..1e22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Whether `a` (> 0, of decimal exponent `e`) rounded to `digits` significant decimals reads back to the float32 `a`. */
function fitsIn(a: number, e: number, digits: number): boolean {
  const k = digits - 1 - e;
  // n and 10^|k| are exact, so one IEEE operation gives what parsing "n e-k" would.
  const near = k >= 0 && k <= 22 ? Math.round(a * POW10[k]!) / POW10[k]!
    : k < 0 && k >= -22 ? Math.round(a / POW10[-k]!) * POW10[-k]! : Number(a.toPrecision(digits));
  return Math.fround(near) === a;
}

/** A step value as JSON text: the shortest decimal that reads back to the same float32, or "NaN"/"Infinity"/"-Infinity". */
export function float32Text(x: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return '"NaN"';
  if (!Number.isFinite(f)) return f > 0 ? '"Infinity"' : '"-Infinity"';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const a = Math.abs(f);
  const e = Math.floor(Math.log10(a));
  // Most float32 values need 7 to 9 digits (9 always do): try 8, 7, 6, then search 1..5.
  let digits = 9;
  while (digits > 6 && fitsIn(a, e, digits - 1)) digits--;
  for (let lo = 1, hi = digits === 6 ? 5 : 0; lo <= hi;) {
    const mid = (lo + hi) >> 1;
    if (fitsIn(a, e, mid)) [digits, hi] = [mid, mid - 1];
    else lo = mid + 1;
  }
  // toPrecision's forms are valid JSON; "1e+2" reads better as "100". The check guards against rounding slips.
  const text = f.toPrecision(digits);
  const checked = Math.fround(Number(text)) === f ? text : f.toPrecision(9);
  return checked.includes('e+') ? String(Number(checked)) : checked;
}
