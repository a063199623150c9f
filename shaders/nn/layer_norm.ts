/**
 * WGSL generators of LayerNorm over the last axis (docs/math.md §0.2: biased variance, eps inside the
 * square root). One workgroup per row for the forward and `dx`; the weight and bias gradients
 * sum over rows in chunks of `chunk` rows per workgroup into f32 partials, finished by
 * `partialSumWgsl` (nn_common.ts), in a fixed order (deterministic).
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { CHANNEL_CHUNK_WGSL, enableFor, MAIN_WGSL, NN_WORKGROUP, WG_SUM_WGSL } from "./common.ts";

/** Uniforms: `rows` rows of `c` features. */
export const layerNormParams = new UniformBlock({
  rows: "u32",
  c: "u32",
  eps: "f32",
  chunk: "u32",
  chunks: "u32",
});

/** Which LayerNorm kernel. */
export type LayerNormPass = "forward" | "grad_x" | "grad_params";

/** Storage of the kernel of `pass`. */
export function layerNormStorage(pass: LayerNormPass, t: DType): StorageBinding[] {
  switch (pass) {
    case "forward": // stats: per row [mean, 1/sqrt(var + eps)], f32.
      return [
        read("x", t),
        read("w", t),
        read("b", t),
        readWrite("y", t),
        readWrite("stats", "f32"),
      ];
    case "grad_x":
      return [read("x", t), read("w", t), read("dy", t), read("stats", "f32"), readWrite("dx", t)];
    case "grad_params": // partial: f32 [2, C, chunks], weight then bias sums of each chunk of rows.
      return [read("x", t), read("dy", t), read("stats", "f32"), readWrite("partial", "f32")];
  }
}

const BODY: Record<LayerNormPass, (t: DType) => string> = {
  forward: (t) =>
    `if (g >= u.rows) { return; }
  let row = g * u.c;
  var acc = 0.0;
  for (var i = lid; i < u.c; i += ${NN_WORKGROUP}u) { acc += f32(x[row + i]); }
  let mean = wg_sum(lid, acc) / f32(u.c);
  acc = 0.0;
  for (var i = lid; i < u.c; i += ${NN_WORKGROUP}u) { let d = f32(x[row + i]) - mean; acc += d * d; }
  let rstd = inverseSqrt(wg_sum(lid, acc) / f32(u.c) + u.eps);
  for (var i = lid; i < u.c; i += ${NN_WORKGROUP}u) {
    y[row + i] = ${t}((f32(x[row + i]) - mean) * rstd * f32(w[i]) + f32(b[i]));
  }
  if (lid == 0u) { stats[2u * g] = mean; stats[2u * g + 1u] = rstd; }`,
  // dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), with ĝ = dy ⊙ w.
  grad_x: (t) =>
    `if (g >= u.rows) { return; }
  let row = g * u.c;
  let mean = stats[2u * g];
  let rstd = stats[2u * g + 1u];
  var acc_g = 0.0;
  var acc_gx = 0.0;
  for (var i = lid; i < u.c; i += ${NN_WORKGROUP}u) {
    let gi = f32(dy[row + i]) * f32(w[i]);
    acc_g += gi;
    acc_gx += gi * (f32(x[row + i]) - mean) * rstd;
  }
  let mean_g = wg_sum(lid, acc_g) / f32(u.c);
  let mean_gx = wg_sum(lid, acc_gx) / f32(u.c);
  for (var i = lid; i < u.c; i += ${NN_WORKGROUP}u) {
    let xhat = (f32(x[row + i]) - mean) * rstd;
    dx[row + i] = ${t}(rstd * (f32(dy[row + i]) * f32(w[i]) - mean_g - xhat * mean_gx));
  }`,
  // One invocation per (channel, chunk of rows), neighbouring invocations on neighbouring
  // channels (CHANNEL_CHUNK, common.ts); the chunks' sums are added in chunk order afterwards.
  grad_params: () =>
    `${CHANNEL_CHUNK_WGSL}
  var acc_w = 0.0;
  var acc_b = 0.0;
  for (var r = chunk * u.chunk; r < min((chunk + 1u) * u.chunk, u.rows); r += 1u) {
    let d = f32(dy[r * u.c + ch]);
    acc_w += d * (f32(x[r * u.c + ch]) - stats[2u * r]) * stats[2u * r + 1u];
    acc_b += d;
  }
  partial[ch * u.chunks + chunk] = acc_w;
  partial[(u.c + ch) * u.chunks + chunk] = acc_b;`,
};

/** LayerNorm kernel of `pass`. */
export function layerNormWgsl(pass: LayerNormPass, dtype: DType): string {
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${WG_SUM_WGSL}
${MAIN_WGSL}
  ${BODY[pass](dtype)}
}`;
}
