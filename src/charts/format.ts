/** Number formatting shared by the charts, their titles and their data tables. */

const SUPERSCRIPT: Record<string, string> = {
  '-': '\u207b', '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074',
  '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079',
};

/** 10 to an integer power with a superscript exponent: 10⁻⁵. */
export function pow10Text(exponent: number): string {
  return `10${String(exponent).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/** Whether v is (to float precision) an integer power of ten. */
export function isPow10(v: number): boolean {
  if (!(v > 0) || !Number.isFinite(v)) return false;
  const e = Math.round(Math.log10(v));
  return Math.abs(v / 10 ** e - 1) < 1e-9;
}

/** A measured value for a title or a table: 3 significant digits, exponent form when tiny or huge; NaN and infinities by name; exact zero as 0. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** A number with 2 significant digits, for sentences (390, 0.29, 1.2e7). */
export function sig2(v: number): string {
  if (!Number.isFinite(v)) return formatValue(v);
  const n = Number(v.toPrecision(2));
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return n.toExponential(1).replace('e+', 'e');
  return String(n);
}

/** An axis tick on a log scale: powers of ten as 10ⁿ, others with 2 significant digits. */
export function formatLogTick(v: number): string {
  return isPow10(v) ? pow10Text(Math.round(Math.log10(v))) : sig2(v);
}

/** 'every step', 'every 2nd step', 'every 11th step'. */
export function everyNth(k: number): string {
  if (k <= 1) return 'every step';
  const teen = k % 100 >= 11 && k % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[k % 10] ?? 'th';
  return `every ${k}${suffix} step`;
}
