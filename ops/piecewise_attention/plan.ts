/**
 * PISA problem plan: sizes, scratch layout and the uniform values shared by every kernel.
 * @module
 */
import {
  deviceContext,
  type DType,
  subgroupSize,
  Tensor,
  type UniformBlock,
} from "../_runtime/mod.ts";
import {
  PISA_OUTER_TILE,
  type PisaLayout,
  type pisaParams,
} from "../../shaders/piecewise_attention/stats.ts";
import { pisaTopK } from "./top_k.ts";
import {
  type PisaTileChoice,
  type PisaTileKind,
  pisaTiles,
  pisaTilesFit,
} from "../../shaders/piecewise_attention/tiles.ts";
import type { SdpaTiles } from "../../shaders/attention_tiles.ts";

/** Rows summed per workgroup of the outer-product kernels (a multiple of every block size). */
const GROUP_ROWS = 1024;
/** Workgroups the chunk-gradient kernel aims for (enough to fill a large GPU). */
const CHUNK_GRAD_GROUPS = 512;

/** Names of the PISA uniforms. */
export type PisaParamName = typeof pisaParams extends UniformBlock<infer K> ? K : never;

/** Everything the launchers need about one call: the validated shape plus what follows from it. */
export interface PisaPlan extends Omit<PisaShape, "density" | "blockSize" | "tiles" | "subgroups"> {
  /** Chunk length (the block size) and chunk count. */
  bt: number;
  nt: number;
  topK: number;
  /** Tiles and path of the attention kernels: forward, dq and the dk/dv (column) kernel. */
  tiles: Record<PisaTileKind, PisaTileChoice>;
  /** Uniform values; kernels override `n_main` (and the splits). */
  params: Record<PisaParamName, number>;
  /** f32 elements of the scratch buffers. */
  sizes: {
    chunk: number;
    part: number;
    sel: number;
    seen: number;
    rows: number;
    rowsBwd: number;
    grads: number;
  };
}

/** Sizes and options after validation. */
export interface PisaShape {
  device: GPUDevice;
  dtype: DType;
  layout: PisaLayout;
  B: number;
  H: number;
  T: number;
  dk: number;
  dv: number;
  density: number;
  blockSize: number;
  scale: number;
  useBias: boolean;
  /**
   * Attention kernel tiles (each must fit: RangeError otherwise); by default the first
   * candidate that fits the device (`pisaTiles`).
   */
  tiles?: Partial<Record<PisaTileKind, SdpaTiles>>;
  /** Take the subgroup path where the device has subgroups (default `true`). */
  subgroups?: boolean;
}

/** Builds the plan of a validated call. */
export function planPisa(s: PisaShape): PisaPlan {
  const nBh = s.B * s.H;
  const bt = s.blockSize;
  const nt = Math.ceil(s.T / bt);
  const topK = pisaTopK(s.density, nt);
  const nGroups = Math.ceil(s.T / GROUP_ROWS);
  const nTilesDv = Math.ceil(s.dv / PISA_OUTER_TILE);
  const nTiles = Math.ceil(s.dk / PISA_OUTER_TILE) * nTilesDv;
  const qc = nBh * nt * s.dk, vc = nBh * nt * s.dv, hSize = nBh * s.dk * s.dv;
  const perRowK = nBh * s.T * s.dk, perRowV = nBh * s.T * s.dv;
  // The chunk-gradient kernel splits the query blocks so that it has ~CHUNK_GRAD_GROUPS
  // workgroups even when there are few chunk tiles (partials are summed in a fixed order).
  const size = s.subgroups ?? true ? subgroupSize(s.device) : undefined;
  const tilesOf = (kind: PisaTileKind): PisaTileChoice => {
    const given = s.tiles?.[kind];
    if (!given) return pisaTiles(kind, bt, s.dk, s.dv, s.device.limits, size);
    const subgroup = size !== undefined && size % given.tc === 0 ? size : undefined;
    if (!pisaTilesFit(kind, given, bt, s.dk, s.dv, s.device.limits, subgroup)) {
      throw new RangeError(
        `piecewiseSparseAttention: ${kind} tiling ${JSON.stringify(given)} does not fit`,
      );
    }
    return { tiles: given, subgroup };
  };
  const tiles = { fwd: tilesOf("fwd"), dq: tilesOf("dq"), dkdv: tilesOf("dkdv") };
  const chunkTiles = Math.ceil(nt / tiles.dkdv.tiles.br);
  const wanted = Math.ceil(CHUNK_GRAD_GROUPS / (nBh * chunkTiles));
  const splitBlocks = Math.ceil(nt / Math.min(nt, wanted));
  const nSplits = Math.ceil(nt / splitBlocks);
  const params = {
    n_bh: nBh,
    heads: s.H,
    seq: s.T,
    dk: s.dk,
    dv: s.dv,
    bt,
    nt,
    top_k: topK,
    scale: s.scale,
    n_groups: nGroups,
    group_rows: GROUP_ROWS,
    n_tiles: nTiles,
    n_tiles_dv: nTilesDv,
    n_main: 1,
    n_splits: nSplits,
    split_blocks: splitBlocks,
    off_kc: qc,
    off_vc: 2 * qc,
    off_h: 2 * qc + vc,
    off_norm: nGroups * hSize,
    off_out: 0,
    off_dq1: nBh * s.T * 4,
    off_o32: nBh * s.T * (4 + s.dk),
    off_dvx: perRowK,
    off_dkc: perRowK + perRowV,
    off_dvc: perRowK + perRowV + nSplits * qc,
    off_dh: perRowK + perRowV + nSplits * (qc + vc),
  };
  return {
    ...s,
    tiles,
    bt,
    nt,
    topK,
    params,
    sizes: {
      chunk: 2 * qc + vc + hSize,
      part: nGroups * hSize + nBh * nt * nTiles,
      sel: nBh * nt * topK,
      seen: nBh * nt * Math.ceil(nt / 32),
      rows: nBh * s.T * 4,
      rowsBwd: nBh * s.T * (4 + s.dk + s.dv),
      grads: perRowK + perRowV + nSplits * (qc + vc) + hSize,
    },
  };
}

/** Uniform values of `plan` with per-kernel overrides. */
export function uniformsOf(
  plan: PisaPlan,
  over: Partial<Record<PisaParamName, number>> = {},
): Record<PisaParamName, number> {
  return { ...plan.params, ...over };
}

/**
 * An f32 scratch tensor of `elements` (also used for u32 data: the kernels bind it as
 * `array<u32>`); throws a `RangeError` naming `what` when it cannot be bound whole.
 */
export function scratch(plan: PisaPlan, elements: number, what: string): Tensor {
  checkBindable(plan.device, elements * 4, what);
  return Tensor.empty(plan.device, [Math.max(1, elements)], "f32");
}

/** Throws a `RangeError` unless `bytes` fit in one storage binding of `device`. */
export function checkBindable(device: GPUDevice, bytes: number, what: string): void {
  const limit = deviceContext(device).maxBindingBytes;
  if (bytes > limit) {
    throw new RangeError(
      `piecewiseSparseAttention: ${what} needs ${bytes} bytes, more than the device's largest ` +
        `storage binding (${limit} bytes); use fewer batch × heads per call`,
    );
  }
}
