/**
 * `scaledDotProductAttention`: non-causal softmax attention in the flash-attention style
 * (online softmax, log-sum-exp saved, nothing of size Lq×Lk in memory), forward and backward.
 * @module
 */
import {
  checkFinite,
  checkOneOf,
  deviceContext,
  type Kernel,
  launch,
  subgroupSize,
  Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import { fitsSubgroup } from "../../shaders/attention_tiles.ts";
import {
  deltaParams,
  deltaWgsl,
  SDPA_MAX_DIM,
  sdpaCandidates,
  type SdpaKind,
  sdpaParams,
  type SdpaTiles,
  sdpaTilesValid,
  type SdpaVariant,
  sdpaWgsl,
  sdpaWorkgroupBytes,
} from "../../shaders/sdpa.ts";
import {
  type AttentionShape,
  checkAlive,
  checkAttention,
  checkCotangent,
  checkLayout,
} from "./args.ts";

const OP = "scaledDotProductAttention";

/** Options of {@linkcode scaledDotProductAttention}. */
export interface SdpaOptions {
  /** Factor on the scores q·k; default 1/√d_k. */
  scale?: number;
  /** `"BHTD"` (default, `[B, H, T, D]`) or `"BTHD"` (`[B, T, H, D]`). */
  layout?: "BHTD" | "BTHD";
  /**
   * Arithmetic precision: `"f32"` (default) or `"f16"`. Both run f32 products, f32
   * accumulation and f32 softmax statistics today, so they give the same results: on the GPUs
   * measured (NVIDIA H100, H200 through WebGPU) f16 FMAs issue at the f32 rate, so f16 products
   * would only add conversions (bench/NOTES.md). The option is validated so that code written
   * for a faster f16 path later runs unchanged.
   */
  precision?: "f32" | "f16";
}

/**
 * Internal tuning of {@linkcode scaledDotProductAttentionWith} (the tile sweep and tests):
 * which path and tilings the kernels use.
 */
export interface SdpaTuning {
  /** Take the subgroup path where the device has subgroups (default `true`). */
  subgroups?: boolean;
  /**
   * Tiling per kernel; by default the first candidate of `sdpaCandidates` that fits the
   * device. A given tiling must fit (RangeError otherwise).
   */
  tiles?: Partial<Record<SdpaKind, SdpaTiles>>;
}

/** Gradients of {@linkcode scaledDotProductAttention}, each in its input's shape. */
export interface SdpaGrads {
  /** Gradient of q, shaped like q. */
  dq: Tensor;
  /** Gradient of k, shaped like k. */
  dk: Tensor;
  /** Gradient of v, shaped like v. */
  dv: Tensor;
}

/** A tiling and the path (subgroup size or portable) one kernel runs with. */
interface KernelChoice {
  tiles: SdpaTiles;
  subgroup: number | undefined;
}

/**
 * The tiling of kernel `kind`: the tuning's, else the first candidate that fits the device's
 * workgroup memory and size, on the subgroup path when the device has subgroups (and the
 * tuning allows them) and a candidate fits there, else on the portable path.
 */
function choose(
  device: GPUDevice,
  kind: SdpaKind,
  s: AttentionShape,
  tuning: SdpaTuning,
): KernelChoice {
  const bytes = device.limits.maxComputeWorkgroupStorageSize;
  const threads = device.limits.maxComputeInvocationsPerWorkgroup;
  const size = tuning.subgroups ?? true ? subgroupSize(device) : undefined;
  const fits = (tiles: SdpaTiles, subgroup: number | undefined) =>
    sdpaTilesValid(tiles) && tiles.tr * tiles.tc <= threads &&
    (subgroup === undefined || fitsSubgroup(tiles, subgroup)) &&
    sdpaWorkgroupBytes({ ...tiles, kind, dk: s.dk, dv: s.dv, subgroup }) <= bytes;
  const given = tuning.tiles?.[kind];
  if (given) {
    const subgroup = size !== undefined && fitsSubgroup(given, size) ? size : undefined;
    if (!fits(given, subgroup)) {
      throw new RangeError(`${OP}: ${kind} tiling ${JSON.stringify(given)} does not fit`);
    }
    return { tiles: given, subgroup };
  }
  const paths = size === undefined ? [undefined] : [size, undefined];
  for (const subgroup of paths) {
    const tiles = sdpaCandidates(kind, subgroup !== undefined).find((t) => fits(t, subgroup));
    if (tiles) return { tiles, subgroup };
  }
  throw new RangeError(
    `${OP}: d_k = ${s.dk}, d_v = ${s.dv} need more workgroup memory than this device has`,
  );
}

function kernelFor(t: Tensor, kind: SdpaKind, s: AttentionShape, tuning: SdpaTuning): Kernel {
  const { tiles, subgroup } = choose(t.device, kind, s, tuning);
  const variant: SdpaVariant = {
    ...tiles,
    kind,
    dtype: t.dtype,
    layout: s.layout,
    dk: s.dk,
    dv: s.dv,
    subgroup,
  };
  const reads = kind === "fwd" ? 3 : 6;
  const writes = kind === "dkdv" ? 2 : kind === "fwd" ? 2 : 1;
  return {
    name: `sdpa_${kind}`,
    constants: { ...variant, subgroup: subgroup ?? 0, shuffle: tiles.shuffle ?? false },
    bindings: [...Array(reads).fill("read"), ...Array(writes).fill("read_write")],
    wgsl: () => sdpaWgsl(variant),
  };
}

function uniforms(s: AttentionShape, kernel: Kernel, ownLength: number, scale: number) {
  const blocks = Math.ceil(ownLength / (kernel.constants.br as number));
  return {
    uniforms: sdpaParams.pack({
      heads: s.H,
      lq: s.lq,
      lk: s.lk,
      bh_count: s.B * s.H,
      blocks,
      scale_log2: scale * Math.LOG2E,
      scale,
    }),
    groups: s.B * s.H * blocks,
  };
}

function checkBindings(tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    const max = deviceContext(t.device).maxBindingBytes;
    if (t.byteLength > max) {
      throw new RangeError(
        `${OP}: ${name} ${t} (${t.byteLength} bytes) exceeds the device's largest storage ` +
          `binding (${max} bytes)`,
      );
    }
  }
}

function prepare(q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions) {
  const layout = checkLayout(options.layout, OP);
  const shape = checkAttention(OP, q, k, v, layout, SDPA_MAX_DIM);
  const scale = options.scale === undefined
    ? 1 / Math.sqrt(shape.dk)
    : checkFinite(options.scale, `${OP}: scale`);
  checkOneOf(options.precision ?? "f32", ["f32", "f16"] as const, `${OP}: precision`);
  checkBindings({ q, k, v });
  return { shape, scale };
}

function forward(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  s: AttentionShape,
  scale: number,
  tuning: SdpaTuning,
) {
  const outShape = s.layout === "BHTD" ? [s.B, s.H, s.lq, s.dv] : [s.B, s.lq, s.H, s.dv];
  const output = Tensor.empty(q.device, outShape, q.dtype);
  const lse = Tensor.empty(q.device, [s.B, s.H, s.lq], "f32"); // log2 units
  const kernel = kernelFor(q, "fwd", s, tuning);
  launch(q.device, kernel, {
    storage: [q, k, v, output, lse],
    ...uniforms(s, kernel, s.lq, scale),
  });
  return { output, lse };
}

function backward(
  x: { q: Tensor; k: Tensor; v: Tensor; output: Tensor; lse: Tensor },
  dO: Tensor,
  s: AttentionShape,
  scale: number,
  tuning: SdpaTuning,
): SdpaGrads {
  const device = dO.device;
  const delta = Tensor.empty(device, [s.B, s.H, s.lq], "f32");
  const rows = s.B * s.H * s.lq;
  launch(device, {
    name: "sdpa_delta",
    constants: { dtype: dO.dtype, layout: s.layout, dv: s.dv },
    bindings: ["read", "read", "read_write"],
    wgsl: () => deltaWgsl(dO.dtype, s.layout, s.dv),
  }, {
    storage: [x.output, dO, delta],
    uniforms: deltaParams.pack({ rows, heads: s.H, lq: s.lq }),
    groups: Math.ceil(rows / 64),
  });
  const dq = Tensor.empty(device, x.q.shape, dO.dtype);
  const dk = Tensor.empty(device, x.k.shape, dO.dtype);
  const dv = Tensor.empty(device, x.v.shape, dO.dtype);
  const inputs = [x.q, x.k, x.v, dO, x.lse, delta];
  const dqKernel = kernelFor(dO, "dq", s, tuning);
  launch(device, dqKernel, { storage: [...inputs, dq], ...uniforms(s, dqKernel, s.lq, scale) });
  const dkdvKernel = kernelFor(dO, "dkdv", s, tuning);
  launch(device, dkdvKernel, {
    storage: [...inputs, dk, dv],
    ...uniforms(s, dkdvKernel, s.lk, scale),
  });
  delta.destroy();
  return { dq, dk, dv };
}

/**
 * Softmax attention, non-causal: `o_i = Σ_j softmax_j(scale · q_i·k_j) v_j`, computed
 * flash-attention style (register-tiled online softmax; memory O(B·H·Lq) beyond inputs and
 * output). f32 or f16 storage with f32 arithmetic; query and key lengths may differ. Uses
 * subgroup operations where the device has them (see `requestDevice`), else a portable path.
 *
 * @param q `[B, H, Lq, dk]` (or `[B, Lq, H, dk]` with `layout: "BTHD"`), 1 ≤ dk ≤ 256
 * @param k `[B, H, Lk, dk]`, same dtype
 * @param v `[B, H, Lk, dv]`, 1 ≤ dv ≤ 256
 * @param options `scale` (default 1/√dk), `layout` (default `"BHTD"`), `precision` (default
 * `"f32"`; `"f16"` gives the same results on the GPUs measured, see {@linkcode SdpaOptions})
 * @returns o, `[B, H, Lq, dv]` (or `[B, Lq, H, dv]`)
 * @example
 * ```ts
 * import { scaledDotProductAttention, Tensor } from "../../mod.ts";
 * const data = Float32Array.from({ length: 2 * 16 * 8 }, () => Math.random());
 * using q = await Tensor.fromArray(data, [1, 2, 16, 8]);
 * using o = scaledDotProductAttention(q, q, q);
 * const { output, pullback } = scaledDotProductAttention.vjp(q, q, q);
 * const { dq, dk, dv } = pullback(output);
 * ```
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: SdpaOptions = {},
): Tensor {
  return run(q, k, v, options, {});
}

function run(q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions, tuning: SdpaTuning): Tensor {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale, tuning);
  lse.destroy();
  return output;
}

/**
 * Differentiable {@linkcode scaledDotProductAttention}: `{ output, pullback(dO) → { dq, dk,
 * dv }, dispose() }`. Keeps the log-sum-exp of each query row (`[B, H, Lq]` f32) and
 * references to q, k, v and the output (keep them alive until the last pullback). The
 * backward computes `D_i = rowsum(dO ∘ o)`, then dq and dk/dv in two passes.
 */
scaledDotProductAttention.vjp = (
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: SdpaOptions = {},
): Vjp<Tensor, Tensor, SdpaGrads> => runVjp(q, k, v, options, {});

function runVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: SdpaOptions,
  tuning: SdpaTuning,
): Vjp<Tensor, Tensor, SdpaGrads> {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale, tuning);
  let disposed = false;
  const dispose = () => {
    if (!disposed) lse.destroy();
    disposed = true;
  };
  return {
    output,
    pullback(dO: Tensor): SdpaGrads {
      if (disposed) throw new TypeError(`${OP} pullback called after dispose()`);
      checkCotangent(OP, dO, output);
      checkAlive(OP, { q, k, v, output });
      return backward({ q, k, v, output, lse }, dO, shape, scale, tuning);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/**
 * {@linkcode scaledDotProductAttention} (and its `vjp`) with the path and tilings of
 * `tuning`: for the tile sweep (bench/sdpa_sweep.ts) and the tests of every tiling.
 */
export function scaledDotProductAttentionWith(tuning: SdpaTuning): {
  (q: Tensor, k: Tensor, v: Tensor, options?: SdpaOptions): Tensor;
  vjp(q: Tensor, k: Tensor, v: Tensor, options?: SdpaOptions): Vjp<Tensor, Tensor, SdpaGrads>;
} {
  const op = (q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions = {}) =>
    run(q, k, v, options, tuning);
  op.vjp = (q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions = {}) =>
    runVjp(q, k, v, options, tuning);
  return op;
}
