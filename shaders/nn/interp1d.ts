/**
 * WGSL generator of 1-D linear interpolation along the token axis (docs/math.md §0.2,
 * `F.interpolate(mode='linear', align_corners=False)`): `x [outer, n, C]` → `[outer, N, C]`.
 * The backward gathers, for each source token, the weights of the outputs that read it (a
 * short, fixed-order loop), so it needs no atomics.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { enableFor, MAIN_WGSL, NN_WORKGROUP } from "./common.ts";

/** Uniforms: `outer` rows of `n` source / `big_n` output tokens of `c` channels; scale = n/N. */
export const interp1dParams = new UniformBlock({
  outer: "u32",
  n: "u32",
  big_n: "u32",
  c: "u32",
  scale: "f32",
});

// Source position of output token t, as PyTorch computes it in f32.
const SOURCE = /* wgsl */ `
struct Taps { i0: u32, i1: u32, l1: f32 }
fn taps(t: u32) -> Taps {
  let src = max((f32(t) + 0.5) * u.scale - 0.5, 0.0);
  let i0 = min(u32(floor(src)), u.n - 1u);
  return Taps(i0, min(i0 + 1u, u.n - 1u), src - f32(i0));
}
`;

/** Storage of the forward (x, y) or backward (dy, dx) kernel. */
export function interp1dStorage(dtype: DType, backward: boolean): StorageBinding[] {
  return backward
    ? [read("dy", dtype), readWrite("dx", dtype)]
    : [read("x", dtype), readWrite("y", dtype)];
}

/** Forward or backward kernel. */
export function interp1dWgsl(dtype: DType, backward: boolean): string {
  const body = backward
    ? `if (i >= u.outer * u.n * u.c) { return; }
  let ch = i % u.c;
  let s = (i / u.c) % u.n;
  let o = i / (u.c * u.n);
  // Outputs reading source s have i0 ∈ {s − 1, s}: t within this range (clamped), rechecked.
  let lo = max(i32(floor((f32(s) - 0.5) / u.scale - 0.5)) - 1, 0);
  let hi = min(i32(ceil((f32(s) + 1.5) / u.scale - 0.5)) + 1, i32(u.big_n) - 1);
  var acc = 0.0;
  for (var t = lo; t <= hi; t++) {
    let tp = taps(u32(t));
    let d = f32(dy[(o * u.big_n + u32(t)) * u.c + ch]);
    if (tp.i0 == s) { acc += (1.0 - tp.l1) * d; }
    if (tp.i1 == s) { acc += tp.l1 * d; }
  }
  dx[i] = ${dtype}(acc);`
    : `if (i >= u.outer * u.big_n * u.c) { return; }
  let ch = i % u.c;
  let t = (i / u.c) % u.big_n;
  let o = i / (u.c * u.big_n);
  let tp = taps(t);
  let x0 = f32(x[(o * u.n + tp.i0) * u.c + ch]);
  let x1 = f32(x[(o * u.n + tp.i1) * u.c + ch]);
  y[i] = ${dtype}((1.0 - tp.l1) * x0 + tp.l1 * x1);`;
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${SOURCE}
${MAIN_WGSL}
  let i = g * ${NN_WORKGROUP}u + lid;
  ${body}
}`;
}
