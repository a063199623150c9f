/**
 * `scaledDotProductAttention`: non-causal softmax attention in the flash-attention style
 * (online softmax, log-sum-exp saved, nothing of size Lq×Lk in memory), forward and backward.
 * @module
 */
import {
  checkFinite,
  deviceContext,
  type Kernel,
  launch,
  Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import {
  deltaParams,
  deltaWgsl,
  SDPA_MAX_DIM,
  SDPA_TILES,
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

/** The first tiling of `kind` (SDPA_TILES) that fits the device's workgroup memory and size. */
function tilesFor(device: GPUDevice, kind: SdpaKind, s: AttentionShape): SdpaTiles {
  const bytes = device.limits.maxComputeWorkgroupStorageSize;
  const threads = device.limits.maxComputeInvocationsPerWorkgroup;
  const tiles = SDPA_TILES[kind].find((t) =>
    sdpaTilesValid(t) && t.tr * t.tc <= threads &&
    sdpaWorkgroupBytes({ ...t, kind, dk: s.dk, dv: s.dv }) <= bytes
  );
  if (!tiles) {
    throw new RangeError(
      `${OP}: d_k = ${s.dk}, d_v = ${s.dv} need more workgroup memory than this device has`,
    );
  }
  return tiles;
}

function kernelFor(t: Tensor, kind: SdpaKind, s: AttentionShape): Kernel {
  const { br, bc, tr, tc } = tilesFor(t.device, kind, s);
  const variant: SdpaVariant = {
    br,
    bc,
    tr,
    tc,
    kind,
    dtype: t.dtype,
    layout: s.layout,
    dk: s.dk,
    dv: s.dv,
  };
  const reads = kind === "fwd" ? 3 : 6;
  const writes = kind === "dkdv" ? 2 : kind === "fwd" ? 2 : 1;
  return {
    name: `sdpa_${kind}`,
    constants: { ...variant },
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
  checkBindings({ q, k, v });
  return { shape, scale };
}

function forward(q: Tensor, k: Tensor, v: Tensor, s: AttentionShape, scale: number) {
  const outShape = s.layout === "BHTD" ? [s.B, s.H, s.lq, s.dv] : [s.B, s.lq, s.H, s.dv];
  const output = Tensor.empty(q.device, outShape, q.dtype);
  const lse = Tensor.empty(q.device, [s.B, s.H, s.lq], "f32"); // log2 units
  const kernel = kernelFor(q, "fwd", s);
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
  const dqKernel = kernelFor(dO, "dq", s);
  launch(device, dqKernel, { storage: [...inputs, dq], ...uniforms(s, dqKernel, s.lq, scale) });
  const dkdvKernel = kernelFor(dO, "dkdv", s);
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
 * output). f32 or f16 storage with f32 arithmetic; query and key lengths may differ.
 *
 * @param q `[B, H, Lq, dk]` (or `[B, Lq, H, dk]` with `layout: "BTHD"`), 1 ≤ dk ≤ 256
 * @param k `[B, H, Lk, dk]`, same dtype
 * @param v `[B, H, Lk, dv]`, 1 ≤ dv ≤ 256
 * @param options `scale` (default 1/√dk), `layout` (default `"BHTD"`)
 * @returns o, `[B, H, Lq, dv]` (or `[B, Lq, H, dv]`)
 * @example
 * ```ts
 * import { scaledDotProductAttention, Tensor } from "@flash-bla/flash-bla";
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
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale);
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
): Vjp<Tensor, Tensor, SdpaGrads> => {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale);
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
      return backward({ q, k, v, output, lse }, dO, shape, scale);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
};
