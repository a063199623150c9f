/**
 * Argument checks and problem set-up shared by the dense linear-attention ops: every failure
 * is a `TypeError` or `RangeError` naming the argument and the shape it got.
 * @module
 */
import {
  checkFinite,
  checkOneOf,
  checkRank,
  checkSameDeviceAndDtype,
  checkTensor,
  type Tensor,
} from "../_runtime/mod.ts";
import {
  LA_MAX_DIM,
  type LaPrecision,
  type LaVariant,
} from "../../shaders/linear_attention/kernels.ts";
import { type LaTilingOverrides, type Problem, tilingOf } from "./engine.ts";

/** Memory layout of the dense ops' tensors. */
export type Layout = "BHTD" | "BTHD";

/** Sizes of a dense problem. */
export interface DenseShape {
  /** Batch. */
  B: number;
  /** Heads. */
  H: number;
  /** Query length. */
  lq: number;
  /** Key (and value) length. */
  lk: number;
  /** Query/key features. */
  dk: number;
  /** Value features. */
  dv: number;
  /** Layout of all tensors. */
  layout: Layout;
}

/** Options every op of the family takes. */
export interface KernelOptions {
  /**
   * Arithmetic of the products: `"f32"` (default) multiplies in f32; `"f16"` stages the
   * operands in f16 and sums each staged step's products in f16 before adding them to the f32
   * accumulators (the normaliser z, the mean m and all sums across steps and chunks stay f32).
   * It is an opt-in for speed at about 1e-3 relative error against float64 (see
   * bench/NOTES.md for what it gains on a given GPU); needs `shader-f16`.
   */
  precision?: LaPrecision;
  /** Kernel tiling over the defaults (benchmarks and tests; the default suits most GPUs). */
  tiling?: LaTilingOverrides;
}

/** `options.precision` (checked against `device`'s features) and `options.tiling`. */
export function kernelOptions(
  opts: KernelOptions,
  op: string,
  device: GPUDevice,
): { precision: LaPrecision; tiling: ReturnType<typeof tilingOf> } {
  const precision = opts.precision === undefined
    ? "f32"
    : checkOneOf(opts.precision, ["f32", "f16"], `${op}: precision`);
  if (precision === "f16" && !device.features.has("shader-f16")) {
    throw new TypeError(`${op}: precision "f16" needs a device with the shader-f16 feature`);
  }
  if (opts.tiling !== undefined && (typeof opts.tiling !== "object" || opts.tiling === null)) {
    throw new TypeError(`${op}: tiling must be an object, got ${String(opts.tiling)}`);
  }
  return { precision, tiling: tilingOf(opts.tiling) };
}

/** Throws unless `options` is undefined or an object; returns it (or `{}`). */
export function checkOptions<T extends object>(options: T | undefined, op: string): T {
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${op}: options must be an object, got ${String(options)}`);
  }
  return options;
}

/** `options.layout`, checked; `"BHTD"` by default. */
export function checkLayout(layout: unknown, op: string): Layout {
  return layout === undefined ? "BHTD" : checkOneOf(layout, ["BHTD", "BTHD"], `${op}: layout`);
}

/** Batch, heads, length and features of a rank-4 tensor in `layout`. */
export function layoutSizes(
  t: Tensor,
  layout: Layout,
): { B: number; H: number; T: number; D: number } {
  const [B, a, b, D] = t.shape;
  return layout === "BHTD" ? { B, H: a, T: b, D } : { B, H: b, T: a, D };
}

/** A feature size in [1, LA_MAX_DIM]. */
export function checkFeatures(d: number, name: string, shape: readonly number[]): void {
  if (d < 1 || d > LA_MAX_DIM) {
    throw new RangeError(
      `${name} must be in [1, ${LA_MAX_DIM}], got ${d} (shape [${shape.join(", ")}])`,
    );
  }
}

/**
 * Checks q-like (`[B, H, L_q, d_k]`), k-like (`[B, H, L_k, d_k]`) and `v` (`[B, H, L_k, d_v]`)
 * tensors (or `[B, L, H, D]` for `BTHD`) and returns the sizes.
 */
export function checkDense(
  op: string,
  queries: Record<string, unknown>,
  keys: Record<string, unknown>,
  v: unknown,
  layout: Layout,
): DenseShape {
  const all: Record<string, Tensor> = {};
  for (const [name, t] of [...Object.entries(queries), ...Object.entries(keys), ["v", v]]) {
    all[name as string] = checkTensor(t, `${op}: ${name}`);
    checkRank(
      all[name as string],
      4,
      `${op}: ${name}`,
      layout === "BHTD" ? "[B, H, T, D]" : "[B, T, H, D]",
    );
  }
  sameDeviceAndDtype(op, all);
  const sizes = (t: Tensor) => layoutSizes(t, layout);
  const [qName] = Object.keys(queries), [kName] = Object.keys(keys);
  const q = sizes(all[qName]), k = sizes(all[kName]), vs = sizes(all.v);
  const expect = (name: string, got: number[], want: number[], what: string) => {
    if (got.some((g, i) => g !== want[i])) {
      throw new RangeError(
        `${op}: ${name} has shape [${all[name].shape.join(", ")}]: ${what} must match ` +
          `${qName}'s ${want.join("×")} (${layout})`,
      );
    }
  };
  for (const name of Object.keys(all)) {
    const s = sizes(all[name]);
    const isQ = name in queries;
    expect(name, [s.B, s.H], [q.B, q.H], "batch × heads");
    if (name !== "v") expect(name, [s.D], [q.D], "d_k");
    if (isQ) expect(name, [s.T], [q.T], "the query length");
    else expect(name, [s.T], [k.T], `the key length of ${kName}`);
  }
  if (q.B < 1 || q.H < 1) {
    throw new RangeError(`${op}: ${qName} needs B, H ≥ 1, got [${all[qName].shape.join(", ")}]`);
  }
  if (q.T < 1) throw new RangeError(`${op}: ${qName} needs T ≥ 1 (got a query length of 0)`);
  if (k.T < 1) throw new RangeError(`${op}: ${kName} needs T ≥ 1 (got a key length of 0)`);
  checkFeatures(q.D, `${op}: d_k of ${qName}`, all[qName].shape);
  checkFeatures(vs.D, `${op}: d_v of v`, all.v.shape);
  return { B: q.B, H: q.H, lq: q.T, lk: k.T, dk: q.D, dv: vs.D, layout };
}

/** `checkSameDeviceAndDtype` with the op's name in front of the message. */
export function sameDeviceAndDtype(op: string, tensors: Record<string, Tensor>): void {
  try {
    checkSameDeviceAndDtype(tensors);
  } catch (e) {
    const E = e instanceof RangeError ? RangeError : TypeError;
    throw new E(`${op}: ${(e as Error).message}`);
  }
}

/** A finite number option, or `fallback` when undefined. */
export function numberOption(value: unknown, fallback: number, name: string): number {
  return value === undefined ? fallback : checkFinite(value, name);
}

/** The engine's view of a dense problem. */
export function denseProblem(
  op: string,
  s: DenseShape,
  variant: LaVariant,
  scale: number,
  eps: number,
  kernel: Pick<Problem, "precision" | "tiling">,
): Problem {
  const bhtd = s.layout === "BHTD";
  return {
    op,
    variant,
    items: bhtd ? s.B * s.H : s.B,
    segsPerItem: bhtd ? 1 : s.H,
    he: bhtd ? 1 : s.H,
    lq: s.lq,
    lk: s.lk,
    dk: s.dk,
    dv: s.dv,
    statePrefix: [s.B, s.H],
    scale,
    scaleDefault: false,
    eps,
    ...kernel,
  };
}

/**
 * Checks the options and tensors of a normalised dense op (`linearAttention`, and
 * `decoupledLinearAttention` with `decoupled`) and returns its problem: σ = 1/L_k and ε = 1e-6
 * by default.
 */
export function normalisedProblem(
  op: string,
  queries: Record<string, unknown>,
  keys: Record<string, unknown>,
  v: unknown,
  options: { scale?: number; eps?: number; layout?: Layout } & KernelOptions | undefined,
  decoupled: boolean,
): Problem {
  const opts = checkOptions(options, op);
  const shape = checkDense(op, queries, keys, v, checkLayout(opts.layout, op));
  const variant = { dtype: (v as Tensor).dtype, normalised: true, decoupled, varlen: false };
  const scale = numberOption(opts.scale, 1 / shape.lk, `${op}: scale`);
  const eps = numberOption(opts.eps, 1e-6, `${op}: eps`);
  const kernel = kernelOptions(opts, op, (v as Tensor).device);
  return denseProblem(op, shape, variant, scale, eps, kernel);
}

/** Checks the upstream gradient of a pullback against the forward output. */
export function checkCotangent(op: string, name: string, g: unknown, like: Tensor): Tensor {
  const t = checkTensor(g, `${op} pullback: ${name}`);
  sameDeviceAndDtype(`${op} pullback`, { output: like, [name]: t });
  if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i])) {
    throw new RangeError(
      `${op} pullback: ${name} has shape [${t.shape.join(", ")}], expected ` +
        `[${like.shape.join(", ")}]`,
    );
  }
  return t;
}

/** Throws a `TypeError` if a tensor the backward reads was destroyed after the forward. */
export function checkAlive(op: string, tensors: Record<string, Tensor | undefined>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t?.destroyed) {
      throw new TypeError(`${op} pullback: ${name} was destroyed, but the backward reads it`);
    }
  }
}
