/**
 * Argument checks shared by the attention baselines (SDPA, naive linear attention): q, k, v of
 * rank 4 in one layout, matching batch, heads, lengths and feature sizes.
 * @module
 */
import { checkRank, checkSameDeviceAndDtype, checkTensor, type Tensor } from "../_runtime/mod.ts";
import {
  checkLayout,
  checkOptions,
  type DenseShape,
  type Layout,
  layoutSizes,
} from "../linear_attention/args.ts";

/**
 * The layouts and the checks of the layout and of the options object are the linear-attention
 * ops' (`"BHTD"` by default).
 */
export { checkLayout, checkOptions, type Layout };

/** Sizes of an attention problem: those of the dense linear-attention ops. */
export type AttentionShape = DenseShape;

/**
 * Checks q `[B, H, Lq, dk]`, k `[B, H, Lk, dk]`, v `[B, H, Lk, dv]` (or `[B, T, H, D]` for
 * BTHD) with 1 ≤ dk, dv ≤ `maxD`, T ≥ 1, and returns the sizes.
 */
export function checkAttention(
  op: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  layout: Layout,
  maxD: number,
): AttentionShape {
  const form = layout === "BHTD" ? "[B, H, T, D]" : "[B, T, H, D]";
  for (const [name, t] of [["q", q], ["k", k], ["v", v]] as const) {
    checkTensor(t, `${op}: ${name}`);
    checkRank(t, 4, `${op}: ${name}`, form);
  }
  checkSameDeviceAndDtype({ q, k, v });
  const sq = layoutSizes(q, layout), sk = layoutSizes(k, layout), sv = layoutSizes(v, layout);
  const mismatch = (name: string, t: Tensor, what: string) =>
    new RangeError(
      `${op}: ${name} has shape [${t.shape.join(", ")}] but q has [${q.shape.join(", ")}] ` +
        `(${layout}): ${what} must match`,
    );
  if (sk.B !== sq.B || sk.H !== sq.H) throw mismatch("k", k, "batch and heads");
  if (sv.B !== sq.B || sv.H !== sq.H) throw mismatch("v", v, "batch and heads");
  if (sk.D !== sq.D) throw mismatch("k", k, "the feature size d_k");
  if (sv.T !== sk.T) {
    throw new RangeError(
      `${op}: v has shape [${v.shape.join(", ")}] but k has [${k.shape.join(", ")}]: the key ` +
        `lengths must match`,
    );
  }
  for (const [name, t, s] of [["q", q, sq], ["k", k, sk], ["v", v, sv]] as const) {
    if (s.B < 1 || s.H < 1 || s.T < 1) {
      throw new RangeError(`${op}: ${name} needs B, H, T ≥ 1, got [${t.shape.join(", ")}]`);
    }
    if (s.D < 1 || s.D > maxD) {
      throw new RangeError(
        `${op}: ${name} has D = ${s.D} (shape [${t.shape.join(", ")}]); D must be in [1, ${maxD}]`,
      );
    }
  }
  return { B: sq.B, H: sq.H, lq: sq.T, lk: sk.T, dk: sq.D, dv: sv.D, layout };
}

/** Checks an upstream gradient against the output it belongs to. */
export function checkCotangent(op: string, dO: Tensor, output: Tensor): void {
  checkTensor(dO, `${op} pullback: dO`);
  checkSameDeviceAndDtype({ output, dO });
  if (dO.shape.join() !== output.shape.join()) {
    throw new RangeError(
      `${op} pullback: dO has shape [${dO.shape.join(", ")}], expected ` +
        `[${output.shape.join(", ")}]`,
    );
  }
}

/** Throws a `TypeError` when a tensor the backward reads was destroyed. */
export function checkAlive(op: string, tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.destroyed) {
      throw new TypeError(`${op} pullback: ${name} was destroyed before the backward`);
    }
  }
}
