/**
 * WGSL generators of the depthwise conv `DW_k` (docs/math.md §0.2: cross-correlation, padding k//2,
 * bias) on token-layout input `[B, H·W, C]` (token n = r·W + c). Channel ch uses weight
 * channel `ch % cw`: cw = C is the usual depthwise conv; cw = hd shares one hd-channel kernel
 * across heads (Focused/Pola `dwc`, docs/math.md §6.3).
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { enableFor, MAIN_WGSL, NN_WORKGROUP, WG_SUM_WGSL } from "./common.ts";

/** Uniforms: batch, image height/width, channels, weight channels, kernel size. */
export const dwconvParams = new UniformBlock({
  batch: "u32",
  h: "u32",
  w: "u32",
  c: "u32",
  cw: "u32",
  k: "u32",
  chunk: "u32",
  chunks: "u32",
});

/** Which kernel: forward (x, weight, bias, y), dx (dy, weight, dx), or dweight/dbias. */
export type DwconvPass = "forward" | "grad_x" | "grad_params";

const HEADER = `let hw = u.h * u.w;
  let ch = i % u.c;
  let tok = (i / u.c) % hw;
  let bi = i / (u.c * hw);
  let row = i32(tok / u.w);
  let col = i32(tok % u.w);
  let half = i32(u.k / 2u);
  let wc = ch % u.cw;
  var acc = 0.0;`;

// Tap (a, b) reads x at (row + a − half, col + b − half); its transpose reads dy at
// (row − a + half, col − b + half).
function tapLoop(sign: string, src: string): string {
  return `for (var a = 0; a < i32(u.k); a++) {
    let r = row ${sign} (a - half);
    if (r < 0 || r >= i32(u.h)) { continue; }
    for (var b = 0; b < i32(u.k); b++) {
      let s = col ${sign} (b - half);
      if (s < 0 || s >= i32(u.w)) { continue; }
      acc += f32(weight[(wc * u.k + u32(a)) * u.k + u32(b)]) *
        f32(${src}[(bi * hw + u32(r) * u.w + u32(s)) * u.c + ch]);
    }
  }`;
}

/** Storage of the kernel of `pass`. */
export function dwconvStorage(pass: DwconvPass, t: DType): StorageBinding[] {
  switch (pass) {
    case "forward":
      return [read("x", t), read("weight", t), read("bias", t), readWrite("y", t)];
    case "grad_x":
      return [read("dy", t), read("weight", t), readWrite("dx", t)];
    case "grad_params": // partial: f32 [cw·k² weight rows, then cw bias rows; chunks].
      return [read("x", t), read("dy", t), readWrite("partial", "f32")];
  }
}

function body(pass: DwconvPass, t: DType): string {
  if (pass === "forward") {
    return `let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.batch * u.h * u.w * u.c) { return; }
  ${HEADER}
  ${tapLoop("+", "x")}
  y[i] = ${t}(acc + f32(bias[wc]));`;
  }
  if (pass === "grad_x") {
    return `let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.batch * u.h * u.w * u.c) { return; }
  ${HEADER}
  ${tapLoop("-", "dy")}
  dx[i] = ${t}(acc);`;
  }
  // One workgroup per (weight channel, tap, chunk); tap k² is the bias. The sum runs over
  // every batch, token and channel sharing this weight channel, in chunks of `chunk`, in a
  // fixed order; partialSumWgsl adds the chunks.
  return `let taps = u.k * u.k + 1u;
  if (g >= u.cw * taps * u.chunks) { return; }
  let wc = g / (taps * u.chunks);
  let tap = (g / u.chunks) % taps;
  let hw = u.h * u.w;
  let half = i32(u.k / 2u);
  let da = i32(tap / u.k) - half;
  let db = i32(tap % u.k) - half;
  let groups = u.c / u.cw;
  let first = (g % u.chunks) * u.chunk;
  let last = min(first + u.chunk, u.batch * hw * groups);
  var acc = 0.0;
  for (var j = first + lid; j < last; j += ${NN_WORKGROUP}u) {
    let ch = (j % groups) * u.cw + wc;
    let tok = (j / groups) % hw;
    let bi = j / (groups * hw);
    let d = f32(dy[(bi * hw + tok) * u.c + ch]);
    if (tap == u.k * u.k) { acc += d; continue; }
    let r = i32(tok / u.w) + da;
    let s = i32(tok % u.w) + db;
    if (r < 0 || r >= i32(u.h) || s < 0 || s >= i32(u.w)) { continue; }
    acc += d * f32(x[(bi * hw + u32(r) * u.w + u32(s)) * u.c + ch]);
  }
  let total = wg_sum(lid, acc);
  let row = select(wc * u.k * u.k + tap, u.cw * u.k * u.k + wc, tap == u.k * u.k);
  if (lid == 0u) { partial[row * u.chunks + g % u.chunks] = total; }`;
}

/** Depthwise-conv kernel of `pass`. */
export function dwconvWgsl(pass: DwconvPass, dtype: DType): string {
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${pass === "grad_params" ? WG_SUM_WGSL : ""}
${MAIN_WGSL}
  ${body(pass, dtype)}
}`;
}
