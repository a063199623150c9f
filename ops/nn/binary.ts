/**
 * Broadcasting binary blocks (NumPy/PyTorch broadcasting, rank ≤ 6): `add`, `mul` (gating),
 * `div` (x / s per channel) and `reluPower` (PolaFormer's `relu(x)^p`), each `alpha · f(a, b)`,
 * with gradients for both operands (summed over broadcast dimensions, deterministic order).
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { checkFinite, checkOptionsObject, checkShapeArray } from "../_runtime/checks.ts";
import { launch } from "../_runtime/kernel.ts";
import { Tensor } from "../_runtime/tensor.ts";
import {
  MAX_RANK,
  padRank,
  REDUCE_CHUNK,
  setRankFields,
  simplifyDims,
  stridesOf,
} from "../../shaders/nn/common.ts";
import {
  type BinaryKind,
  binaryParams,
  binaryStorage,
  binaryWgsl,
} from "../../shaders/nn/elementwise.ts";
import {
  checkTensors,
  elementwiseGroups,
  emptyInBinding,
  fmtShape,
  makeVjp,
  sumPartials,
} from "./_common.ts";

/** Options of the binary blocks. */
export interface BinaryOptions {
  /** Factor applied to the result (`alpha · f(a, b)`); default 1. */
  alpha?: number;
}

/** Gradients of a binary block, each with its operand's shape. */
export interface BinaryGrads {
  /** Gradient of `a`. */
  da: Tensor;
  /** Gradient of `b`. */
  db: Tensor;
}

/** A broadcasting binary block. */
export interface BinaryOp {
  (a: Tensor, b: Tensor, options?: BinaryOptions): Tensor;
  /** Forward plus pullback; keeps references to `a` and `b` (do not destroy them before). */
  vjp(a: Tensor, b: Tensor, options?: BinaryOptions): Vjp<Tensor, Tensor, BinaryGrads>;
}

/** The broadcast shape of `a` and `b` (right-aligned; a dim of 1 stretches). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  checkShapeArray(a, "a");
  checkShapeArray(b, "b");
  const rank = Math.max(a.length, b.length);
  if (rank > MAX_RANK) throw new RangeError(`rank ${rank} exceeds the maximum of ${MAX_RANK}`);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  return pa.map((da, i) => {
    const db = pb[i];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `a ${fmtShape(a)} and b ${fmtShape(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`,
      );
    }
    return Math.max(da, db);
  });
}

// Strides of `shape` inside the padded output shape: 0 along broadcast (size-1) dims.
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const padded = padRank(shape, 1);
  const strides = stridesOf(padded);
  return padded.map((d, i) => (d === 1 && out[i] !== 1 ? 0 : strides[i]));
}

/**
 * Uniforms of a binary kernel over output shape `outShape`, one thread (or workgroup, with
 * `reduce`) per element of `indexed`. Without `reduce` (every element mode) the dims are
 * simplified first (`rank`: the dims left; the kernel is compiled for it).
 */
function uniformsOf(
  a: Tensor,
  b: Tensor,
  outShape: readonly number[],
  indexed: readonly number[],
  alpha: number,
  reduce: boolean,
): { uniforms: Record<string, number>; n: number; chunks: number; rank: number } {
  const full = padRank(outShape, 1);
  const xd = padRank(indexed, 1);
  const n = indexed.reduce((p, d) => p * d, 1);
  const r = full.reduce((p, d, i) => (xd[i] === d ? p : p * d), 1);
  const chunks = Math.ceil(r / REDUCE_CHUNK);
  const fields: Record<string, number> = { n, r, chunk: REDUCE_CHUNK, chunks, alpha };
  const strides = [
    broadcastStrides(a.shape, full),
    broadcastStrides(b.shape, full),
    stridesOf(full),
  ];
  const simple = reduce ? { shape: full, strides } : simplifyDims(full, strides);
  const dims = padRank(simple.shape, 1);
  const [as, bs, os] = simple.strides.map((s) => padRank(s, 0));
  setRankFields(fields, { dim: dims, as, bs, os, xd });
  return { uniforms: fields, n, chunks, rank: simple.shape.length };
}

const publicName: Record<BinaryKind, string> = {
  add: "add",
  mul: "mul",
  div: "div",
  relu_pow: "reluPower",
};

function makeBinary(kind: BinaryKind): BinaryOp {
  const prepare = (a: Tensor, b: Tensor, given: BinaryOptions | undefined) => {
    checkTensors({ a, b });
    const options = checkOptionsObject(given);
    const alpha = checkFinite(options.alpha ?? 1, "options.alpha");
    return { alpha, outShape: broadcastShape(a.shape, b.shape) };
  };
  const forward = (a: Tensor, b: Tensor, options: BinaryOptions = {}): Tensor => {
    const { alpha, outShape } = prepare(a, b, options);
    const what = `${publicName[kind]}: the broadcast of a ${fmtShape(a.shape)} and b ${
      fmtShape(b.shape)
    }`;
    const out = emptyInBinding(a.device, outShape, a.dtype, what);
    const p = uniformsOf(a, b, outShape, outShape, alpha, false);
    launch(a.device, {
      name: `nn_${kind}_fwd`,
      constants: { dtype: a.dtype, rank: p.rank },
      storage: binaryStorage(a.dtype, "forward", false),
      uniforms: binaryParams,
      wgsl: () => binaryWgsl(kind, a.dtype, "forward", false, p.rank),
    }, {
      storage: { in_a: a, in_b: b, out },
      uniforms: p.uniforms,
      groups: elementwiseGroups(out.size),
    });
    return out;
  };
  const grad = (a: Tensor, b: Tensor, dy: Tensor, which: "a" | "b", alpha: number) => {
    const operand = which === "a" ? a : b;
    const reduce = operand.size !== dy.size;
    const d = Tensor.empty(a.device, operand.shape, a.dtype);
    const mode = which === "a" ? "grad_a" : "grad_b";
    const p = uniformsOf(a, b, dy.shape, operand.shape, alpha, reduce);
    // Summed over broadcast dims in two fixed-order passes: chunks of REDUCE_CHUNK, then rows.
    const partial = reduce ? Tensor.empty(a.device, [p.n, p.chunks], "f32") : d;
    launch(a.device, {
      name: `nn_${kind}_${mode}`,
      constants: { dtype: a.dtype, reduce, rank: p.rank },
      storage: binaryStorage(a.dtype, mode, reduce),
      uniforms: binaryParams,
      wgsl: () => binaryWgsl(kind, a.dtype, mode, reduce, p.rank),
    }, {
      storage: { in_a: a, in_b: b, in_dy: dy, d: partial },
      uniforms: p.uniforms,
      groups: reduce ? p.n * p.chunks : elementwiseGroups(operand.size),
    });
    if (reduce) {
      sumPartials(partial, d, 0, alpha);
      partial.destroy();
    }
    return d;
  };
  const vjp = (a: Tensor, b: Tensor, options: BinaryOptions = {}) => {
    const { alpha } = prepare(a, b, options);
    const output = forward(a, b, options);
    return makeVjp(output, (dy) => ({
      da: grad(a, b, dy, "a", alpha),
      db: grad(a, b, dy, "b", alpha),
    }), { saved: { a, b } });
  };
  return Object.assign(forward, { vjp });
}

/**
 * `alpha · (a + b)` with broadcasting, e.g. keys `[B, n, C]` + positional encoding `[1, n, C]`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { add } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4], [2, 2]);
 * using pos = await Tensor.fromArray([10, 20], [1, 2]);
 * using y = add(x, pos); // [[11, 22], [13, 24]]
 * console.log(await y.read());
 * ```
 */
export const add: BinaryOp = makeBinary("add");

/**
 * `alpha · a ⊙ b` with broadcasting: gating (`x ⊙ g`, same shapes) or scaling by a per-channel
 * vector (`[B, N, C] ⊙ [C]`).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { mul } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4], [2, 2]);
 * using gate = await Tensor.fromArray([0, 1, 2, 3], [2, 2]);
 * const { output, pullback } = mul.vjp(x, gate);
 * using dy = await Tensor.fromArray([1, 1, 1, 1], [2, 2]);
 * const { da, db } = pullback(dy); // da = gate, db = x
 * console.log(await output.read(), await da.read(), await db.read());
 * ```
 */
export const mul: BinaryOp = makeBinary("mul");

/**
 * `alpha · a / b` with broadcasting, e.g. `x / s` with `s` per channel (`[B, N, C] / [1, 1, C]`).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { div } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4], [2, 2]);
 * using s = await Tensor.fromArray([2, 4], [2]);
 * using y = div(x, s); // [[0.5, 0.5], [1.5, 1]]
 * console.log(await y.read());
 * ```
 */
export const div: BinaryOp = makeBinary("div");

/**
 * `alpha · max(a, 0)^b` with broadcasting (0^b = 0): PolaFormer's `relu(q)^p` with `p` of shape
 * `[1, heads, 1, hd]` against `q` `[B, heads, N, hd]`, or Focused's `q^f` (q > 0, `b` of
 * shape `[1]`). The gradient of `b` is `y · ln a` where a > 0, else 0; exponents below 1 make
 * the gradient of `a` unbounded near 0.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { reluPower } = nn;
 * using x = await Tensor.fromArray([-1, 2, 3], [3]);
 * using p = await Tensor.fromArray([3], [1]);
 * using y = reluPower(x, p); // [0, 8, 27]
 * console.log(await y.read());
 * ```
 */
export const reluPower: BinaryOp = makeBinary("relu_pow");
