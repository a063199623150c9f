/**
 * WGSL generator of softmax along one axis: rows of `n` elements `inner` apart, one workgroup
 * per row (max, sum of exponentials, write). The backward is `dx = y ⊙ (dy − Σ y ⊙ dy)`.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { enableFor, MAIN_WGSL, NN_WORKGROUP, WG_MAX_WGSL, WG_SUM_WGSL } from "./common.ts";

/** Uniforms: `outer · inner` rows of `n` elements with stride `inner`. */
export const softmaxParams = new UniformBlock({ outer: "u32", n: "u32", inner: "u32" });

const ROW = `if (g >= u.outer * u.inner) { return; }
  let base = (g / u.inner) * u.n * u.inner + g % u.inner;`;

/** Storage of the forward (x, y) or backward (y, dy, dx) softmax kernel. */
export function softmaxStorage(dtype: DType, backward: boolean): StorageBinding[] {
  return backward
    ? [read("y", dtype), read("dy", dtype), readWrite("dx", dtype)]
    : [read("x", dtype), readWrite("y", dtype)];
}

/** Forward or backward softmax kernel. */
export function softmaxWgsl(dtype: DType, backward: boolean): string {
  const at = (j: string) => `base + ${j} * u.inner`;
  const loop = (body: string) => `for (var j = lid; j < u.n; j += ${NN_WORKGROUP}u) { ${body} }`;
  const body = backward
    ? `var acc = 0.0;
  ${loop(`acc += f32(y[${at("j")}]) * f32(dy[${at("j")}]);`)}
  let dot = wg_sum(lid, acc);
  ${loop(`dx[${at("j")}] = ${dtype}(f32(y[${at("j")}]) * (f32(dy[${at("j")}]) - dot));`)}`
    : `var m = -3.4e38;
  ${loop(`m = max(m, f32(x[${at("j")}]));`)}
  let row_max = wg_max(lid, m);
  var acc = 0.0;
  ${loop(`acc += exp(f32(x[${at("j")}]) - row_max);`)}
  let inv = 1.0 / wg_sum(lid, acc);
  ${loop(`y[${at("j")}] = ${dtype}(exp(f32(x[${at("j")}]) - row_max) * inv);`)}`;
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${WG_SUM_WGSL}${backward ? "" : WG_MAX_WGSL}
${MAIN_WGSL}
  ${ROW}
  ${body}
}`;
}
