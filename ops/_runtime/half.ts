/**
 * IEEE binary16 conversions (round to nearest even), written out so that they work in every
 * JavaScript engine, with or without `Float16Array`.
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to `value` (ties to even; overflow to ±Infinity). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  // A tie in the float32 bits may not be a tie of `value` (double rounding): the part float32
  // rounding dropped decides it.
  const dropped = Math.abs(value) - Math.abs(f32[0]);
  const up = (rest: number, half: number, h: number) =>
    rest > half || (rest === half && (dropped > 0 || (dropped === 0 && (h & 1) === 1)));
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to ±0
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (up(rest, half, h)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (up(rest, 0x1000, h)) h++; // may carry into the exponent: correct
  return sign | h;
}

/** The value of binary16 `bits`. */
export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Rounds every element of `values` to binary16 bits. */
export function encodeHalf(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]);
  return out;
}

/** Decodes binary16 `bits` to float32 values. */
export function decodeHalf(bits: Uint16Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromHalfBits(bits[i]);
  return out;
}
