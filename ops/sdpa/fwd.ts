/**
 * The forward launcher of `scaledDotProductAttention`, and the tiling, kernel and uniforms that
 * the backward's launchers share.
 * @module
 */
import { type Kernel, launch, Tensor } from "../_runtime/mod.ts";
import {
  SDPA_TILES,
  type SdpaKind,
  sdpaParams,
  type SdpaTiles,
  sdpaTilesValid,
  type SdpaVariant,
  sdpaWgsl,
  sdpaWorkgroupBytes,
} from "../../shaders/sdpa/kernels.ts";
import type { AttentionShape } from "./args.ts";

/** The op's name, for error messages. */
export const OP = "scaledDotProductAttention";

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

export function kernelFor(t: Tensor, kind: SdpaKind, s: AttentionShape): Kernel {
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

export function uniforms(s: AttentionShape, kernel: Kernel, ownLength: number, scale: number) {
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

/** Records the forward: the output and the log-sum-exp of each query row (log2 units). */
export function forward(q: Tensor, k: Tensor, v: Tensor, s: AttentionShape, scale: number) {
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
