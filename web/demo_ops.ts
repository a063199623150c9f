/**
 * The ops the demo page can run at a chosen T and dtype: each runs on the page's GPU, checks
 * its output against the float64 reference on a small slice, and times itself.
 * @module
 */
import { type Clock, clockOf, timeWork } from "./bench.ts";
import { type Lib, positiveFeatures, randn, relRms, rng, tolFor } from "./check_helpers.ts";
import type * as FlashBla from "./lib.ts";
import { generalizedLinearAttentionRef } from "../layers/reference/linfusion.ts";

type DType = FlashBla.DType;

/** What one demo run reports. */
export interface DemoResult {
  /** Relative RMS error of the compared slice against float64. */
  error: number;
  /** The tolerance for the dtype. */
  tol: number;
  /** What was compared, e.g. `(b, h) = (0, 0), rows 0..31`. */
  compared: string;
  /** Milliseconds per call. */
  ms: number;
  /** How it was timed. */
  clock: Clock;
  /** Problem shape, for the report. */
  shape: string;
}

/** An op of the demo's menu. */
export interface DemoOp {
  /** Menu label. */
  label: string;
  /** Runs at length `T` in `dtype`. */
  run(lib: Lib, device: GPUDevice, T: number, dtype: DType): Promise<DemoResult>;
}

/** Query rows compared against the reference (all keys are used). */
const SLICE_ROWS = 32;
const [HEADS, HEAD_DIM] = [4, 64];

/** Rows `[0, rows)` of head (0, 0) of a `[B, H, T, D]` array. */
function headRows(data: ArrayLike<number>, D: number, rows: number) {
  return Float64Array.from({ length: rows * D }, (_, i) => data[i]); // head (0, 0) comes first
}

/**
 * An attention op `[1, H, T, D]` → `[1, H, T, D]` checked on head (0, 0): the first query rows
 * against all of that head's keys, with `reference(q, k, v)` taking `[1, 1, L, D]` inputs.
 */
function attentionDemo(
  label: string,
  op: (lib: Lib) => (q: FlashBla.Tensor, k: FlashBla.Tensor, v: FlashBla.Tensor) => FlashBla.Tensor,
  reference: (lib: Lib, q: RefInput, k: RefInput, v: RefInput) => ArrayLike<number>,
): DemoOp {
  return {
    label,
    async run(lib, device, T, dtype) {
      const shape = [1, HEADS, T, HEAD_DIM], n = HEADS * T * HEAD_DIM;
      const random = rng((Math.random() * 2 ** 32) >>> 0);
      const upload = (data: Float64Array<ArrayBuffer>) =>
        lib.Tensor.fromArraySync(device, data, shape, dtype);
      const [q, k, v] = [positiveFeatures(n, random), positiveFeatures(n, random), randn(n, random)]
        .map(upload);
      const fn = op(lib);
      try {
        const out = fn(q, k, v);
        const [gpu, qs, ks, vs] = await Promise.all([out, q, k, v].map((t) => t.read()));
        out.destroy();
        const rows = Math.min(T, SLICE_ROWS);
        const head = (x: Float32Array, r: number) => ({
          data: headRows(x, HEAD_DIM, r),
          shape: [1, 1, r, HEAD_DIM],
        });
        const ref = reference(lib, head(qs, rows), head(ks, T), head(vs, T));
        const error = relRms(headRows(gpu, HEAD_DIM, rows), ref);
        const ms = await timeWork(lib, device, () => fn(q, k, v).destroy(), 4, 5);
        return {
          error,
          tol: tolFor(dtype),
          compared: `head (0, 0), query rows 0..${rows - 1} against all ${T} keys`,
          ms,
          clock: clockOf(device),
          shape: `[${shape.join(", ")}] ${dtype}`,
        };
      } finally {
        for (const t of [q, k, v]) t.destroy();
      }
    },
  };
}

/**
 * LinFusion's attention layer (docs/math.md §6.1; 64 channels, 4 heads of 16, projection MLPs) on
 * `[1, T, 64]`, checked on its whole output against the float64 reference.
 */
function linfusionDemo(): DemoOp {
  return {
    label: "Layer: LinFusion GeneralizedLinearAttention",
    async run(lib, device, T, dtype) {
      const [queryDim, heads, dimHead] = [64, 4, 16];
      const random = rng((Math.random() * 2 ** 32) >>> 0);
      const layer = new lib.GeneralizedLinearAttention({
        queryDim,
        heads,
        dimHead,
        device,
        dtype,
        seed: (random() * 2 ** 31) | 0,
      });
      const x = lib.Tensor.fromArraySync(
        device,
        randn(T * queryDim, random),
        [1, T, queryDim],
        dtype,
      );
      try {
        const y = layer.forward(x);
        const gpu = await y.read();
        y.destroy();
        const params = new Map<string, Float64Array<ArrayBuffer>>();
        for (const [key, t] of await layer.stateDict()) params.set(key, Float64Array.from(t.data));
        const xs = Float64Array.from(await x.read()); // the stored (dtype-rounded) values
        const ref = generalizedLinearAttentionRef(layer.config, params, xs, 1);
        const ms = await timeWork(lib, device, () => layer.forward(x).destroy(), 4, 5);
        return {
          error: relRms(gpu, ref),
          tol: tolFor(dtype),
          compared: `the whole output, ${T} tokens × ${queryDim} channels`,
          ms,
          clock: clockOf(device),
          shape: `x [1, ${T}, ${queryDim}], ${heads} heads of ${dimHead}, ${dtype}`,
        };
      } finally {
        x.destroy();
        layer.dispose();
      }
    },
  };
}

/** A reference input: row-major values and their shape. */
interface RefInput {
  data: Float64Array<ArrayBuffer>;
  shape: number[];
}

/** The demo's menu, by key. */
export function demoOps(): Record<string, DemoOp> {
  return {
    linearAttention: attentionDemo(
      "Linear attention (fused)",
      (lib) => lib.linearAttention,
      (lib, q, k, v) => lib.reference.linearAttentionReference(q, k, v),
    ),
    scaledDotProductAttention: attentionDemo(
      "Softmax attention (SDPA, flash-style)",
      (lib) => lib.scaledDotProductAttention,
      (lib, q, k, v) => lib.reference.sdpaReference(q, k, v).output,
    ),
    linfusion: linfusionDemo(),
  };
}
