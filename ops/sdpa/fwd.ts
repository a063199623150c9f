/**
 * The forward launcher of `scaledDotProductAttention`, and the tiling, kernel and uniforms that
 * the backward's launchers share.
 * @module
 */
import { type Kernel, launch, subgroupSize, Tensor } from "../_runtime/mod.ts";
import { fitsSubgroup } from "../../shaders/attention_tiles.ts";
import {
  sdpaCandidates,
  type SdpaKind,
  sdpaParams,
  sdpaStorage,
  type SdpaTiles,
  sdpaTilesValid,
  type SdpaVariant,
  sdpaWgsl,
  sdpaWorkgroupBytes,
} from "../../shaders/sdpa/kernels.ts";
import type { AttentionShape } from "../_attention_args.ts";

/** The op's name, for error messages. */
export const OP = "scaledDotProductAttention";

/**
 * Internal tuning of `scaledDotProductAttentionWith` (the tile sweep and tests): which path
 * and tilings the kernels use.
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

/** The kernel `kind` for inputs like `t` with the tuning's path and tilings. */
export function kernelFor(
  t: Tensor,
  kind: SdpaKind,
  s: AttentionShape,
  tuning: SdpaTuning,
): Kernel {
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
  return {
    name: `sdpa_${kind}`,
    constants: { ...variant, subgroup: subgroup ?? 0, shuffle: tiles.shuffle ?? false },
    storage: sdpaStorage(variant),
    uniforms: sdpaParams,
    wgsl: () => sdpaWgsl(variant),
  };
}

export function uniforms(s: AttentionShape, kernel: Kernel, ownLength: number, scale: number) {
  const blocks = Math.ceil(ownLength / (kernel.constants.br as number));
  return {
    uniforms: {
      heads: s.H,
      lq: s.lq,
      lk: s.lk,
      bh_count: s.B * s.H,
      blocks,
      scale_log2: scale * Math.LOG2E,
      scale,
    },
    groups: s.B * s.H * blocks,
  };
}

/** Records the forward: the output and the log-sum-exp of each query row (log2 units). */
export function forward(
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
    storage: { q, k, v, o: output, lse },
    ...uniforms(s, kernel, s.lq, scale),
  });
  return { output, lse };
}
