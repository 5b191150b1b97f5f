// units.ts - parses the quantities users write in energy specs: "80MHz", "26.4mW", "3300m", "3.3V".

const SI: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, m: 1e-3, u: 1e-6, 'µ': 1e-6, n: 1e-9 };

/**
 * Parses `<number>[prefix][unit]` where unit is `unit` (case-insensitive) or absent.
 * A bare number is multiplied by `bareScale` (e.g. power given as "26" means 26 mW).
 */
export function parseQuantity(text: string, unit: string, name: string, bareScale = 1): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kKMGmuµn]?)(\w*)$/.exec(text.trim());
  const bad = () =>
    new RangeError(`Expected ${name} as a number with optional SI prefix and unit '${unit}' (e.g. "${example(unit)}") but received "${text}"`);
  if (!m) throw bad();
  const [, num, prefix, rest] = m;
  // "3m" (prefix, no unit) and "3M" are fine; "3mW" needs rest === unit; "3W" parses as prefix '' + W.
  if (rest !== '' && rest.toLowerCase() !== unit.toLowerCase()) {
    // "mW" could also be read as unit "mW" with no prefix when unit is "W": handled by the regex above.
    throw bad();
  }
  const value = Number(num) * SI[prefix];
  if (!Number.isFinite(value)) throw bad();
  return prefix === '' && rest === '' ? value * bareScale : value;
}

function example(unit: string): string {
  switch (unit) {
    case 'Hz': return '80MHz';
    case 'W': return '26.4mW';
    case 'V': return '3.3V';
    default: return `1${unit}`;
  }
}
