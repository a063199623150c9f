/**
 * WGSL generator of 2-D RoPE (docs/math.md §6.2): rotates channel pairs (2p, 2p+1) of `x [..., N, L]`
 * by the angle of the token's grid position, read from a `[H, W, F/2, 2]` table of
 * (cos, sin). Channel ch uses pair `(ch mod F) / 2`, so F = L rotates the full channels (MLLA)
 * and F = hd with L = heads·hd (or head layout, L = hd) rotates every head alike (RALA).
 * The inverse (the gradient) rotates by −φ.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { enableFor, MAIN_WGSL, NN_WORKGROUP } from "./common.ts";

/** Uniforms: pairs to rotate, tokens N, last-axis length L, rotated width F. */
export const rope2dParams = new UniformBlock({ pairs: "u32", n: "u32", l: "u32", f: "u32" });

/** Storage of the RoPE kernel: x, the rotation table, y. */
export function rope2dStorage(dtype: DType, tableDtype: DType): StorageBinding[] {
  return [read("x", dtype), read("rot", tableDtype), readWrite("y", dtype)];
}

/** RoPE kernel; `inverse` rotates by −φ. */
export function rope2dWgsl(dtype: DType, tableDtype: DType, inverse: boolean): string {
  const sign = inverse ? "-" : "";
  return `${enableFor(dtype === "f16" ? dtype : tableDtype)}
${FLAT_GROUP_WGSL}
${MAIN_WGSL}
  let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.pairs) { return; }
  let e = 2u * i;
  let ch = e % u.l;
  let tok = (e / u.l) % u.n;
  let t = 2u * (tok * (u.f / 2u) + (ch % u.f) / 2u);
  let c = f32(rot[t]);
  let s = ${sign}f32(rot[t + 1u]);
  let x0 = f32(x[e]);
  let x1 = f32(x[e + 1u]);
  y[e] = ${dtype}(x0 * c - x1 * s);
  y[e + 1u] = ${dtype}(x0 * s + x1 * c);
}`;
}
