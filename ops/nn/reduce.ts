/**
 * Sums and means over one axis or a run of consecutive axes.
 * @module
 */
import { checkIntRange, type Kernel, launch, Tensor, type Vjp } from "../_runtime/mod.ts";
import {
  REDUCE_THREADS,
  reduceParams,
  reduceStorage,
  reduceWgsl,
} from "../../shaders/nn/reduce.ts";
import { broadcastTo, scale } from "./elementwise.ts";
import { checkTensors, makeVjp, sumPartials } from "./_common.ts";

/** Workgroups a reduction aims for when it splits n into runs (the H200 has 132 SMs). */
const WANTED_GROUPS = 1024;

/** Fewest rows per run of a split reduction. */
const MIN_RUN = 256;

/** Longest axis summed by one invocation per output. */
const SHORT_SUM = 64;

/** Options of {@linkcode sum} and {@linkcode mean}. */
export interface ReduceOptions {
  /**
   * The axis to reduce, or `[first, last]` for the run of axes `first..last` (inclusive).
   * Negative values count from the end. Default: the last axis.
   */
  axis?: number | readonly [number, number];
  /** Keep the reduced axes as size 1 (default `true`, so results broadcast back). */
  keepDims?: boolean;
}

interface ReducePlan {
  outer: number;
  n: number;
  inner: number;
  outShape: number[];
  keptShape: number[];
}

function planReduce(x: Tensor, options: ReduceOptions, name: string): ReducePlan {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${name} options must be an object, got ${String(options)}`);
  }
  const rank = x.shape.length;
  const axis = options.axis ?? -1;
  const isPair = Array.isArray(axis) && axis.length === 2 &&
    axis.every((a) => typeof a === "number");
  if (typeof axis !== "number" && !isPair) {
    throw new TypeError(
      `${name} options.axis must be a number or [first, last], got ${JSON.stringify(axis)}`,
    );
  }
  const [lo, hi] = (typeof axis === "number" ? [axis, axis] : axis).map((a) =>
    a < 0 ? a + rank : a
  );
  checkIntRange(lo, 0, rank - 1, `${name} axis`);
  checkIntRange(hi, lo, rank - 1, `${name} axis (last)`);
  const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  const keptShape = x.shape.map((d, i) => (i >= lo && i <= hi ? 1 : d));
  const keepDims = options.keepDims ?? true;
  if (typeof keepDims !== "boolean") {
    throw new TypeError(`${name} options.keepDims must be true or false, got ${String(keepDims)}`);
  }
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => i < lo || i > hi);
  return {
    outer: prod(x.shape.slice(0, lo)),
    n: prod(x.shape.slice(lo, hi + 1)),
    inner: prod(x.shape.slice(hi + 1)),
    outShape: outShape.length ? outShape : [1],
    keptShape,
  };
}

function reduceKernel(x: Tensor, lanes: number, split: boolean, short: boolean): Kernel {
  const variant = { dtype: x.dtype, lanes, split, short };
  return {
    name: "reduce",
    constants: variant,
    storage: reduceStorage(variant),
    uniforms: reduceParams,
    wgsl: () => reduceWgsl(variant),
  };
}

function reduce(x: Tensor, options: ReduceOptions, isMean: boolean, name: string): Tensor {
  checkTensors({ x });
  const p = planReduce(x, options, name);
  const y = Tensor.empty(x.device, p.outShape, x.dtype);
  const short = p.n <= SHORT_SUM;
  const lanes = short || p.inner === 1 ? 1 : 16;
  const innerBlocks = Math.ceil(p.inner / lanes);
  // Few workgroups and long sums (a bias gradient: 64 workgroups over 16 384 rows): n in runs
  // of at least MIN_RUN, for about WANTED_GROUPS workgroups, their sums added in run order.
  const splits = short ? 1 : Math.max(
    1,
    Math.min(Math.ceil(WANTED_GROUPS / (p.outer * innerBlocks)), Math.floor(p.n / MIN_RUN)),
  );
  const partial = splits > 1 ? Tensor.empty(x.device, [p.outer * p.inner, splits], "f32") : y;
  launch(x.device, reduceKernel(x, lanes, splits > 1, short), {
    storage: { x, y: partial },
    uniforms: {
      outer: p.outer,
      n: p.n,
      inner: p.inner,
      inner_blocks: innerBlocks,
      splits,
      chunk_n: Math.ceil(p.n / splits),
      factor: isMean ? 1 / p.n : 1,
      off_x: 0,
      off_y: 0,
    },
    groups: short
      ? Math.ceil((p.outer * p.inner) / REDUCE_THREADS)
      : p.outer * innerBlocks * splits,
  });
  if (splits > 1) {
    sumPartials(partial, y, 0, isMean ? 1 / p.n : 1);
    partial.destroy();
  }
  return y;
}

/**
 * Sum of `x` over an axis (or a run of axes), accumulated in f32.
 *
 * @param x any shape, f32 or f16
 * @param options `axis` (default last), `keepDims` (default `true`)
 * @returns `x`'s shape with the reduced axes set to 1 (or removed without `keepDims`)
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { sum } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
 * using s = sum(x, { axis: 0 }); // [1, 3]: [5, 7, 9]
 * ```
 */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  return reduce(x, options, false, "sum");
}

/**
 * Mean of `x` over an axis (or a run of axes), accumulated in f32.
 *
 * @param x any shape, f32 or f16
 * @param options `axis` (default last), `keepDims` (default `true`)
 * @returns `x`'s shape with the reduced axes set to 1 (or removed without `keepDims`)
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { mean } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3]);
 * using m = mean(x); // [2, 1]: [2, 5]
 * ```
 */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  return reduce(x, options, true, "mean");
}

function reduceVjp(
  x: Tensor,
  options: ReduceOptions,
  isMean: boolean,
): Vjp<Tensor, Tensor, { dx: Tensor }> {
  const output = reduce(x, options, isMean, isMean ? "mean" : "sum");
  const p = planReduce(x, options, "");
  const shape = [...x.shape];
  return makeVjp(output, (dy) => {
    const spread = broadcastTo(dy, p.keptShape, shape);
    if (!isMean) return { dx: spread };
    const dx = scale(spread, 1 / p.n);
    spread.destroy();
    return { dx };
  });
}

/** Differentiable {@linkcode sum}: `pullback(dy)` broadcasts `dy` back to `x`'s shape. */
sum.vjp = (x: Tensor, options: ReduceOptions = {}): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  reduceVjp(x, options, false);

/** Differentiable {@linkcode mean}: `pullback(dy)` broadcasts `dy / n` back to `x`'s shape. */
mean.vjp = (x: Tensor, options: ReduceOptions = {}): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  reduceVjp(x, options, true);
