/**
 * Tilings of PISA's register-tiled attention kernels: those of the SDPA kernel of the same
 * shape (forward, dq, dk/dv) on the same path whose own and streamed tiles are powers of two,
 * so that with br, bc ≤ blockSize a tile never straddles two chunks.
 * @module
 */
import { fitsSubgroup, type SdpaTiles } from "../attention_tiles.ts";
import {
  sdpaCandidates,
  type SdpaKind,
  type SdpaTileSet,
  sdpaTilesValid,
  sdpaWorkgroupBytes,
} from "../sdpa/kernels.ts";
import { pseudoBuffers } from "./rows.ts";

/** PISA's kernels by the SDPA kernel they are shaped like. */
export type PisaTileKind = SdpaKind;

const powerOfTwo = (n: number) => (n & (n - 1)) === 0;

/**
 * Candidate tilings of `kind` on the subgroup or the portable path, preferred first: SDPA's
 * with power-of-two tiles and SDPA's prefetch of the next streamed tile (subgroup path). On the
 * H200 (B2-H16-D64, T = 32768, density 0.1; bench/NOTES.md, session 2) the forward is fastest
 * with score tiles through workgroup memory (shuffles: 57.4 → 60.5 ms), the backward with
 * shuffles and, for dk/dv, 64 own keys per workgroup (a whole chunk: {@linkcode PISA_TILE_SWEEP}'s
 * "64 own keys", 309 ms forward+backward against 320 for SDPA's 32 × 32). Where the tiling
 * prefetches, the pseudo-key tiles are prefetched too (`prefetchPseudo`); dk/dv's two passes
 * run in one dispatch (`fusedCols`).
 */
export function pisaCandidates(kind: PisaTileKind, subgroup: boolean): readonly SdpaTiles[] {
  const shuffle = subgroup && kind !== "fwd";
  const sdpa = sdpaCandidates(kind, subgroup)
    .filter((t) => powerOfTwo(t.br) && powerOfTwo(t.bc))
    .map((t) => ({ ...t, shuffle }));
  const own = shuffle ? [{ ...PISA_TILE_SWEEP[0][kind], shuffle, prefetch: true }, ...sdpa] : sdpa;
  // H200, same benchmark (bench/NOTES.md, session 3): the pseudo-key tiles prefetched too
  // (forward 56.8 → 51.8 ms, dq 107.9 → 106.1) and dk/dv's two passes in one dispatch (137.3 →
  // 133.3): 298 ms forward+backward against 309. Same bits either way; where the pseudo-key
  // buffers do not fit, `pisaTiles` takes the tiling without them.
  return own.map((t) =>
    kind === "dkdv" ? { ...t, fusedCols: true } : t.prefetch ? { ...t, prefetchPseudo: true } : t
  );
}

/**
 * Tilings that only PISA's kernels are swept with (bench/sdpa_sweep.ts, besides SDPA's sets
 * whose tiles are powers of two), on the subgroup path with shuffles, where they fit 48 KiB at
 * d = 64; tests/piecewise_attention run them at small d. "64 own keys": dk/dv over a whole chunk
 * of keys, so each staged query row serves 64 keys instead of 32, with half the workgroups (the
 * exact pass then runs ≈ 3 waves on the H200 with the benchmark's selection); the same with
 * dq over 32 queries × 32 keys (the only change between the two rows).
 */
export const PISA_TILE_SWEEP: readonly SdpaTileSet[] = Object.freeze([
  {
    name: "64 own keys",
    fwd: { br: 64, bc: 32, tr: 16, tc: 8 },
    dq: { br: 64, bc: 16, tr: 16, tc: 8 },
    dkdv: { br: 64, bc: 16, tr: 16, tc: 8 },
  },
  {
    name: "64 own keys dq 32x32",
    fwd: { br: 64, bc: 32, tr: 16, tc: 8 },
    dq: { br: 32, bc: 32, tr: 16, tc: 8 },
    dkdv: { br: 64, bc: 16, tr: 16, tc: 8 },
  },
]);

/**
 * Workgroup bytes of PISA kernel `kind` with tiling `t` on the path `subgroup` selects: the
 * SDPA kernel's, plus the pseudo-key rows and weights (forward, dq; 3 buffers of them with
 * `prefetchPseudo`) or the own keys' weights and the block word (dk/dv).
 */
export function pisaWorkgroupBytes(
  kind: PisaTileKind,
  t: SdpaTiles,
  dk: number,
  dv: number,
  subgroup?: number,
): number {
  const extra = kind === "dkdv"
    ? 4 * (t.br + 1)
    : 8 * t.bc * pseudoBuffers({ ...t, dk, dv, subgroup });
  return sdpaWorkgroupBytes({ ...t, kind, dk, dv, subgroup }) + extra;
}

/** Device limits a tiling must fit. */
export interface TileLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/** A tiling and the path it runs on (subgroup size, or undefined: portable). */
export interface PisaTileChoice {
  tiles: SdpaTiles;
  subgroup: number | undefined;
}

/** Whether `t` runs on `subgroup`'s path (or the portable one) within `limits` at block `bt`. */
export function pisaTilesFit(
  kind: PisaTileKind,
  t: SdpaTiles,
  bt: number,
  dk: number,
  dv: number,
  limits: TileLimits,
  subgroup: number | undefined,
): boolean {
  return sdpaTilesValid(t) && powerOfTwo(t.br) && powerOfTwo(t.bc) && t.br <= bt && t.bc <= bt &&
    t.tr * t.tc <= limits.maxComputeInvocationsPerWorkgroup &&
    (subgroup === undefined || fitsSubgroup(t, subgroup)) &&
    pisaWorkgroupBytes(kind, t, dk, dv, subgroup) <= limits.maxComputeWorkgroupStorageSize;
}

/**
 * The first tiling of `kind` that fits (on the subgroup path when `subgroup` is defined and
 * one fits there, else on the portable path), each candidate also without its pseudo-key
 * buffers.
 */
export function pisaTiles(
  kind: PisaTileKind,
  bt: number,
  dk: number,
  dv: number,
  limits: TileLimits,
  subgroup: number | undefined,
): PisaTileChoice {
  const paths = subgroup === undefined ? [undefined] : [subgroup, undefined];
  for (const path of paths) {
    const tiles = pisaCandidates(kind, path !== undefined)
      .flatMap((t) => (t.prefetchPseudo ? [t, { ...t, prefetchPseudo: false }] : [t]))
      .find((t) => pisaTilesFit(kind, t, bt, dk, dv, limits, path));
    if (tiles) return { tiles, subgroup: path };
  }
  throw new RangeError(
    `piecewiseSparseAttention: no ${kind} tiling fits this device's workgroup memory ` +
      `(${limits.maxComputeWorkgroupStorageSize} bytes) at d_k = ${dk}, d_v = ${dv}`,
  );
}
