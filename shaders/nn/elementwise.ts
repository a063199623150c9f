/**
 * WGSL generators for elementwise blocks (docs/math.md §0.2): unary activations and their derivative,
 * and broadcasting binary ops (`alpha · f(a, b)`) with the gradient of either operand, summed
 * over the dimensions the operand was broadcast along.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import {
  decomposeWgsl,
  elementwiseMain,
  enableFor,
  MAIN_WGSL,
  MAX_RANK,
  NN_WORKGROUP,
  rankFields,
  WG_SUM_WGSL,
} from "./common.ts";

/** Activations of docs/math.md §0.2. */
export type ActivationKind = "elu" | "relu" | "leaky_relu" | "softplus" | "sigmoid";

/** Uniforms of the activation kernels: `y = act(x) + shift`. */
export const activationParams = new UniformBlock({ n: "u32", shift: "f32", slope: "f32" });

// f(x) and f'(x) in f32. softplus uses a log1p that stays accurate for tiny exp(x).
const ACTIVATIONS: Record<ActivationKind, { f: string; df: string }> = {
  elu: { f: "select(exp(x) - 1.0, x, x > 0.0)", df: "select(exp(x), 1.0, x > 0.0)" },
  relu: { f: "max(x, 0.0)", df: "select(0.0, 1.0, x > 0.0)" },
  leaky_relu: { f: "select(u.slope * x, x, x >= 0.0)", df: "select(u.slope, 1.0, x > 0.0)" },
  softplus: {
    f: "select(max(x, 0.0) + log1p_(exp(-abs(x))), x, x > 20.0)",
    df: "select(1.0 / (1.0 + exp(-x)), 1.0, x > 20.0)",
  },
  sigmoid: { f: "1.0 / (1.0 + exp(-x))", df: "sigmoid_d(x)" },
};

const ACTIVATION_HELPERS = /* wgsl */ `
fn log1p_(z: f32) -> f32 {
  let w = 1.0 + z;
  if (w == 1.0) { return z; }
  return log(w) * z / (w - 1.0);
}
fn sigmoid_d(x: f32) -> f32 { let s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }
`;

/** Storage of the activation kernel: forward x, y; backward x, dy, dx. */
export function activationStorage(dtype: DType, backward: boolean): StorageBinding[] {
  return backward
    ? [read("x", dtype), read("dy", dtype), readWrite("dx", dtype)]
    : [read("x", dtype), readWrite("y", dtype)];
}

/**
 * Activation kernel: forward `y = act(x) + shift`, backward `dx = dy · act'(x)`
 * (`PER_THREAD` (common.ts) elements per invocation).
 */
export function activationWgsl(kind: ActivationKind, dtype: DType, backward: boolean): string {
  const { f, df } = ACTIVATIONS[kind];
  const main = backward
    ? elementwiseMain(
      (k, i) => `let x${k} = f32(x[${i}]); let dy${k} = f32(dy[${i}]);`,
      (k, i) => `dx[${i}] = ${dtype}(dy${k} * d_act(x${k}));`,
    )
    : elementwiseMain(
      (k, i) => `let x${k} = f32(x[${i}]);`,
      (k, i) => `y[${i}] = ${dtype}(act(x${k}) + u.shift);`,
    );
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${ACTIVATION_HELPERS}
fn act(x: f32) -> f32 { return ${f}; }
fn d_act(x: f32) -> f32 { return ${df}; }
${main}`;
}

/** Broadcasting binary ops: `out = alpha · f(a, b)`. `relu_pow` is `max(a, 0)^b` (0^b = 0). */
export type BinaryKind = "add" | "mul" | "div" | "relu_pow";

/**
 * Uniforms of the binary kernels. `dim*`: output shape; `as*`, `bs*`: element strides of a and
 * b (0 along broadcast dims); `os*`: output strides; `xd*`: shape of the tensor indexed by the
 * workgroup/thread (the output in the forward, the differentiated operand in the backward);
 * `r`: output elements per operand element, summed in `chunks` pieces of `chunk` (backward
 * reduce mode).
 */
export const binaryParams = new UniformBlock({
  n: "u32",
  r: "u32",
  chunk: "u32",
  chunks: "u32",
  alpha: "f32",
  ...Object.fromEntries(
    ["dim", "as", "bs", "os", "xd"].flatMap((p) => rankFields(p).map((f) => [f, "u32"])),
  ),
} as Record<string, "u32" | "f32">);

// f(a, b) and its partial derivatives times the upstream gradient `dy` (alpha applied outside).
const BINARY: Record<BinaryKind, { f: string; da: string; db: string }> = {
  add: { f: "a + b", da: "dy", db: "dy" },
  mul: { f: "a * b", da: "dy * b", db: "dy * a" },
  div: { f: "a / b", da: "dy / b", db: "-dy * a / (b * b)" },
  relu_pow: {
    f: "select(0.0, pow(a, b), a > 0.0)",
    da: "select(0.0, dy * b * pow(a, b - 1.0), a > 0.0)",
    db: "select(0.0, dy * pow(a, b) * log(a), a > 0.0)",
  },
};

// Offsets (ai, bi, oi) of output element with coordinates taken from `j` along dims where
// the indexed shape xd equals the output shape, and from `k` along the broadcast dims.
function coordsWgsl(): string {
  const lines = [
    "fn coords(j: u32, k: u32) -> vec3u {",
    "  var jr = j; var kr = k; var o = vec3u(0u);",
  ];
  for (let d = MAX_RANK - 1; d >= 0; d--) {
    lines.push(
      `  { var c = 0u; if (u.xd${d} == u.dim${d}) { c = jr % u.xd${d}; jr = jr / u.xd${d}; }` +
        ` else { c = kr % u.dim${d}; kr = kr / u.dim${d}; }` +
        ` o += c * vec3u(u.as${d}, u.bs${d}, u.os${d}); }`,
    );
  }
  lines.push("  return o;", "}");
  return lines.join("\n");
}

/**
 * Storage of the binary kernel: in_a, in_b, then `out` (forward) or in_dy, d (gradients; d is
 * f32 partial sums with `reduce`).
 */
export function binaryStorage(
  dtype: DType,
  mode: "forward" | "grad_a" | "grad_b",
  reduce: boolean,
): StorageBinding[] {
  const inputs = [read("in_a", dtype), read("in_b", dtype)];
  return mode === "forward"
    ? [...inputs, readWrite("out", dtype)]
    : [...inputs, read("in_dy", dtype), readWrite("d", reduce ? "f32" : dtype)];
}

/**
 * Binary kernel.
 * - `"forward"`: `PER_THREAD` (common.ts) output elements per invocation, their offsets decomposed
 *   over the last `rank` dims (the launcher drops and merges the rest).
 * - `"grad_a"`/`"grad_b"` with `reduce = false` (operand has the output's shape): likewise, one
 *   gradient element per output element. With `reduce = true`: binding d is an f32 array of
 *   partial sums `[n, chunks]`, one workgroup per (operand element, chunk), each summing up to
 *   `chunk` of the element's `r` output elements in a fixed order (finish with
 *   `partialSumWgsl` of nn_common.ts).
 */
export function binaryWgsl(
  kind: BinaryKind,
  dtype: DType,
  mode: "forward" | "grad_a" | "grad_b",
  reduce: boolean,
  rank = MAX_RANK,
): string {
  const op = BINARY[kind];
  const term = mode === "forward" ? op.f : mode === "grad_a" ? op.da : op.db;
  // Element k at flat index i: offsets o_k of a, b and the output, then the loads.
  const load = (k: number, i: string) =>
    `var o${k} = vec3u(0u);
  ${
      decomposeWgsl(
        i,
        "dim",
        [[`o${k}.x`, "as"], [`o${k}.y`, "bs"], [`o${k}.z`, "os"]],
        rank,
        `_${k}`,
      )
    }
  let a${k} = f32(in_a[o${k}.x]); let b${k} = f32(in_b[o${k}.y]);${
      mode === "forward" ? "" : ` let dy${k} = f32(in_dy[o${k}.z]);`
    }`;
  // Element k's result, stored at i (the output's, or the operand's of the same shape).
  const store = (k: number, i: string) =>
    `{ let a = a${k}; let b = b${k};${mode === "forward" ? "" : ` let dy = dy${k};`} ` +
    `${mode === "forward" ? "out" : "d"}[${i}] = ${dtype}(u.alpha * (${term})); }`;
  if (!reduce) {
    return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}
${elementwiseMain(load, store)}`;
  }
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${WG_SUM_WGSL}
${coordsWgsl()}
${MAIN_WGSL}
  if (g >= u.n * u.chunks) { return; }
  let j = g / u.chunks;
  let first = (g % u.chunks) * u.chunk;
  let last = min(first + u.chunk, u.r);
  var acc = 0.0;
  for (var k = first + lid; k < last; k += ${NN_WORKGROUP}u) {
    let o = coords(j, k);
    let a = f32(in_a[o.x]); let b = f32(in_b[o.y]); let dy = f32(in_dy[o.z]);
    acc += ${term};
  }
  let total = wg_sum(lid, acc);
  if (lid == 0u) { d[g] = total; }
}`;
}
