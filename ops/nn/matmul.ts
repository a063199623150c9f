/**
 * Batched matmul `C = op(A) · op(B)` (transposes as flags) and `linear(x, W, b) = x·Wᵀ + b`,
 * with their vjps. f32 or f16 storage, f32 accumulation, any M, N, K.
 * @module
 */
import {
  checkOptionsObject,
  checkSameDeviceAndDtype,
  checkTensor,
  type Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import { type MatmulDims, recordMatmul as record } from "./_matmul_launch.ts";
import { sum } from "./reduce.ts";
import { checkSavedAlive } from "./_common.ts";

/** Options of {@linkcode matmul}. */
export interface MatmulOptions {
  /** `a` is stored `[..., K, M]` and used transposed (default `false`). */
  transposeA?: boolean;
  /** `b` is stored `[..., N, K]` and used transposed (default `false`). */
  transposeB?: boolean;
}

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

interface MatmulPlan {
  dims: MatmulDims;
  outShape: number[];
  batchShape: number[];
}

/** How messages name the op and its operands: matmul's own, or linear's `x` and `weight`. */
interface Names {
  op: string;
  a: string;
  b: string;
  /** The upstream gradient. */
  dc: string;
}

const MATMUL_NAMES: Names = { op: "matmul", a: "a", b: "b", dc: "dc" };
const LINEAR_NAMES: Names = { op: "linear", a: "x", b: "weight", dc: "dy" };

function plan(a: Tensor, b: Tensor, options: MatmulOptions, names = MATMUL_NAMES): MatmulPlan {
  checkTensor(a, names.a);
  checkTensor(b, names.b);
  checkSameDeviceAndDtype({ [names.a]: a, [names.b]: b });
  const { transposeA: transA = false, transposeB: transB = false } = checkOptionsObject(
    options,
    `${names.op}: options`,
  );
  for (const [flag, key] of [[transA, "transposeA"], [transB, "transposeB"]] as const) {
    if (typeof flag !== "boolean") {
      throw new TypeError(`${names.op}: options.${key} must be true or false, got ${String(flag)}`);
    }
  }
  for (const [t, name] of [[a, names.a], [b, names.b]] as const) {
    if (t.shape.length < 2) {
      throw new RangeError(`${name} must have rank ≥ 2 ([..., rows, cols]), got [${t.shape}]`);
    }
  }
  const ra = a.shape.length, rb = b.shape.length;
  const [m, ka] = transA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = transB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (ka !== kb) {
    throw new RangeError(
      `${names.op}: ${names.a} [${a.shape}]${transA ? "ᵀ" : ""} and ${names.b} [${b.shape}]${
        transB ? "ᵀ" : ""
      } have inner sizes ${ka} and ${kb}`,
    );
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  if (batchA.length && batchB.length && batchA.join() !== batchB.join()) {
    throw new RangeError(
      `${names.op}: batch dimensions of ${names.a} [${a.shape}] and ${names.b} [${b.shape}] ` +
        `differ (they must be equal, ` +
        `or one operand must be 2-D)`,
    );
  }
  const batchShape = batchA.length ? batchA : batchB;
  const batch = prod(batchShape);
  const dims: MatmulDims = {
    m,
    n,
    k: ka,
    batch,
    strideA: batchA.length ? m * ka : 0,
    strideB: batchB.length ? ka * n : 0,
    transA,
    transB,
  };
  // A 2-D b with untransposed a: fold the batch into rows (one big matmul).
  if (!batchB.length && batchA.length && !transA) {
    Object.assign(dims, { m: batch * m, batch: 1, strideA: 0 });
  }
  return { dims, outShape: [...batchShape, m, n], batchShape };
}

/**
 * Batched matrix product `C[b] = op(A[b]) · op(B[b])`, f32 accumulation, stored in the
 * inputs' dtype.
 *
 * @param a `[..., M, K]` (or `[..., K, M]` with `transposeA`)
 * @param b `[..., K, N]` (or `[..., N, K]` with `transposeB`); the batch dimensions `...` of
 *   `a` and `b` must be equal, or one operand 2-D (broadcast over the other's batch)
 * @param options `transposeA`, `transposeB` (default `false`)
 * @returns `[..., M, N]`
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { matmul } = nn;
 * using a = await Tensor.fromArray(new Float32Array(2 * 3 * 5).fill(1), [2, 3, 5]);
 * using b = await Tensor.fromArray(new Float32Array(4 * 5).fill(1), [4, 5]);
 * using c = matmul(a, b, { transposeB: true }); // [2, 3, 4], all 5
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const p = plan(a, b, options);
  return record(a, b, p.dims, p.outShape);
}

/** Gradients of {@linkcode matmul}. */
export interface MatmulGrads {
  /** Gradient of `a`, shaped like `a`. */
  da: Tensor;
  /** Gradient of `b`, shaped like `b`. */
  db: Tensor;
}

/** Sums a batched gradient over its batch axes when the operand was broadcast (2-D). */
function unbatch(g: Tensor, operand: Tensor, batchRank: number): Tensor {
  if (operand.shape.length === g.shape.length) return g;
  const r = sum(g, { axis: [0, batchRank - 1], keepDims: false });
  g.destroy();
  return r;
}

/**
 * The matmul gradients for `dc`: with op(X) the used form of X,
 * d op(A) = dC·op(B)ᵀ and d op(B) = op(A)ᵀ·dC, each transposed back when the operand is
 * stored transposed; a broadcast operand's gradient is summed over the batch.
 */
function matmulGrads(
  a: Tensor,
  b: Tensor,
  dc: Tensor,
  options: MatmulOptions,
  names = MATMUL_NAMES,
): MatmulGrads {
  checkTensor(dc, names.dc);
  checkSavedAlive({ [names.a]: a, [names.b]: b });
  const p = plan(a, b, options, names);
  if (dc.shape.join() !== p.outShape.join()) {
    throw new RangeError(`${names.dc} must have shape [${p.outShape}], got [${dc.shape}]`);
  }
  checkSameDeviceAndDtype({ [names.a]: a, [names.dc]: dc });
  const tA = p.dims.transA, tB = p.dims.transB;
  const nb = p.batchShape.length;
  const da = unbatch(
    tA ? matmul(b, dc, { transposeA: tB, transposeB: true }) : matmul(dc, b, { transposeB: !tB }),
    a,
    nb,
  );
  let db: Tensor;
  if (b.shape.length === 2 && a.shape.length > 2 && !tA) {
    // a's batch folds into rows: one matmul over batch·M rows, no batched temporary.
    const dims = { batch: 1, strideA: 0, strideB: 0, k: p.dims.m, transA: true, transB: false };
    db = tB
      ? record(dc, a, { ...dims, m: p.dims.n, n: p.dims.k }, b.shape)
      : record(a, dc, { ...dims, m: p.dims.k, n: p.dims.n }, b.shape);
  } else {
    db = unbatch(
      tB ? matmul(dc, a, { transposeA: true, transposeB: tA }) : matmul(a, dc, { transposeA: !tA }),
      b,
      nb,
    );
  }
  return { da, db };
}

/**
 * Differentiable {@linkcode matmul}: `{ output, pullback(dc) → { da, db } }`. Keeps
 * references to `a` and `b` (not copies): keep them alive until the last pullback.
 */
matmul.vjp = (
  a: Tensor,
  b: Tensor,
  options: MatmulOptions = {},
): Vjp<Tensor, Tensor, MatmulGrads> => ({
  output: matmul(a, b, options),
  pullback: (dc: Tensor) => matmulGrads(a, b, dc, options),
  dispose() {},
  [Symbol.dispose]() {},
});

function checkBias(weight: Tensor, bias: Tensor | undefined): void {
  if (!bias) return;
  checkTensor(bias, "bias");
  checkSameDeviceAndDtype({ weight, bias });
  if (bias.shape.length !== 1 || bias.shape[0] !== weight.shape[0]) {
    throw new RangeError(`bias must have shape [${weight.shape[0]}], got [${bias.shape}]`);
  }
}

/**
 * `linear(x, W, b) = x·Wᵀ + b` over the last axis (PyTorch's `nn.Linear`, docs/math.md §0.2).
 *
 * @param x `[..., in]` (rank ≥ 2)
 * @param weight `[out, in]`
 * @param bias optional `[out]`
 * @returns `[..., out]`
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { linear } = nn;
 * using x = await Tensor.fromArray(new Float32Array(2 * 7 * 5).fill(1), [2, 7, 5]);
 * using w = await Tensor.fromArray(new Float32Array(3 * 5).fill(0.5), [3, 5]);
 * using b = await Tensor.fromArray([1, 2, 3], [3]);
 * using y = linear(x, w, b); // [2, 7, 3]: 3.5, 4.5, 5.5
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  checkTensor(weight, "weight");
  if (weight.shape.length !== 2) {
    throw new RangeError(`weight must have shape [out, in], got [${weight.shape}]`);
  }
  checkBias(weight, bias);
  const p = plan(x, weight, { transposeB: true }, LINEAR_NAMES);
  return record(x, weight, p.dims, p.outShape, { bias });
}

/** Gradients of {@linkcode linear}. */
export interface LinearGrads {
  /** `[..., in]` */
  dx: Tensor;
  /** `[out, in]` */
  dweight: Tensor;
  /** `[out]`, present when a bias was given. */
  dbias?: Tensor;
}

/**
 * Differentiable {@linkcode linear}: `{ output, pullback(dy) → { dx, dweight, dbias? } }`.
 * Keeps references to `x` and `weight`: keep them alive until the last pullback.
 */
linear.vjp = (x: Tensor, weight: Tensor, bias?: Tensor): Vjp<Tensor, Tensor, LinearGrads> => ({
  output: linear(x, weight, bias),
  pullback(dy: Tensor): LinearGrads {
    const { da, db } = matmulGrads(x, weight, dy, { transposeB: true }, LINEAR_NAMES);
    const grads: LinearGrads = { dx: da, dweight: db };
    if (bias) grads.dbias = sum(dy, { axis: [0, dy.shape.length - 2], keepDims: false });
    return grads;
  },
  dispose() {},
  [Symbol.dispose]() {},
});
