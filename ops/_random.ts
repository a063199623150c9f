/**
 * Seeded random numbers, shared by the layers' random init (layers/_params.ts), the tests
 * (tests/_helpers.ts) and the browser self-test (web/check_helpers.ts). Pure code, no Deno or
 * GPU APIs, so it bundles for the browser unchanged.
 * @module
 */

/** Deterministic PRNG (mulberry32): uniform samples in [0, 1), the same sequence per seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` standard normal samples (Box–Muller), drawing two uniforms from `random` per sample. */
export function randn(n: number, random: () => number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - random();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return out;
}
