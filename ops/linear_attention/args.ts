/**
 * Problem set-up shared by the linear-attention ops (their tensor arguments are checked by
 * ops/_attention_args.ts), and the options every op of the family takes.
 * @module
 */
import { checkOneOf, type Tensor } from "../_runtime/mod.ts";
import {
  LA_MAX_DIM,
  type LaPrecision,
  type LaVariant,
} from "../../shaders/linear_attention/kernels.ts";
import {
  type AttentionShape,
  checkAttention,
  checkLayout,
  checkOptions,
  type Layout,
  numberOption,
} from "../_attention_args.ts";
import { type LaTiling, type LaTilingOverrides, type Problem, tilingOf } from "./engine.ts";

/** Options every op of the family takes. */
export interface KernelOptions {
  /**
   * Arithmetic of the products: `"f32"` (default) multiplies in f32; `"f16"` (needs
   * `shader-f16`) stages the operands of the output and dv passes (and of the backward-state
   * pass where a `tiling` gives it 4 × 4 tiles) in f16 and sums each staged step's
   * products in f16 before adding them to the f32 accumulators. The
   * forward state and the dq and dk passes stay f32 (dq's two terms can cancel to 1e-3 of
   * their size with positive features, which would amplify f16 rounding), as do z, m and every
   * sum across steps and chunks. Relative RMS error against float64 ≈ 4e-4 to 1e-3; 3–4 %
   * faster on an H200 (bench/NOTES.md).
   */
  precision?: LaPrecision;
  /** Kernel tiling over {@linkcode LaTiling}'s defaults (benchmarks and tests). */
  tiling?: LaTilingOverrides;
}

/** `options.precision` (checked against `device`'s features) and `options.tiling`. */
export function kernelOptions(
  opts: KernelOptions,
  op: string,
  device: GPUDevice,
): { precision: LaPrecision; tiling: LaTiling } {
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

/** The engine's view of a dense problem. */
export function denseProblem(
  op: string,
  s: AttentionShape,
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
 * `decoupledLinearAttention` with `decoupled`) and returns its problem: scale = 1/L_k and
 * ε = 1e-6 by default.
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
  const shape = checkAttention(op, queries, keys, v, checkLayout(opts.layout, op), LA_MAX_DIM);
  const variant = { dtype: (v as Tensor).dtype, normalised: true, decoupled, varlen: false };
  const scale = numberOption(opts.scale, 1 / shape.lk, `${op}: scale`);
  const eps = numberOption(opts.eps, 1e-6, `${op}: eps`);
  return denseProblem(
    op,
    shape,
    variant,
    scale,
    eps,
    kernelOptions(opts, op, (v as Tensor).device),
  );
}
