/**
 * Tilings of PISA's register-tiled attention kernels: those of the SDPA kernel of the same
 * shape (forward, dq, dk/dv) whose streamed tile is a power of two, so that with br, bc ≤
 * blockSize a tile never straddles two chunks.
 * @module
 */
import type { SdpaTiles } from "../attention_tiles.ts";
import { SDPA_TILES, type SdpaKind, sdpaWorkgroupBytes } from "../sdpa/kernels.ts";

/** PISA's kernels by the SDPA kernel they are shaped like. */
export type PisaTileKind = SdpaKind;

const powerOfTwo = (n: number) => (n & (n - 1)) === 0;

/**
 * Candidate tilings per kernel, preferred first (a copy of SDPA's defaults: the SDPA tile
 * sweep does not move them).
 */
export const PISA_TILES: Record<PisaTileKind, readonly SdpaTiles[]> = {
  fwd: SDPA_TILES.fwd.filter((t) => powerOfTwo(t.bc)),
  dq: SDPA_TILES.dq.filter((t) => powerOfTwo(t.bc)),
  dkdv: SDPA_TILES.dkdv.filter((t) => powerOfTwo(t.bc)),
};

/**
 * Workgroup bytes of PISA kernel `kind` with tiling `t`: the SDPA kernel's, plus the
 * pseudo-key rows and weights (forward, dq) or the own keys' weights and the block bitmask
 * (dk/dv).
 */
export function pisaWorkgroupBytes(
  kind: PisaTileKind,
  t: SdpaTiles,
  dk: number,
  dv: number,
): number {
  const extra = kind === "dkdv" ? 4 * (t.br + 2) : 8 * t.bc;
  return sdpaWorkgroupBytes({ ...t, kind, dk, dv }) + extra;
}

/** The first tiling of `kind` with br, bc ≤ `bt` that fits the device's limits. */
export function pisaTiles(
  kind: PisaTileKind,
  bt: number,
  dk: number,
  dv: number,
  limits: { maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number },
): SdpaTiles {
  const tiles = PISA_TILES[kind].find((t) =>
    t.br <= bt && t.bc <= bt && t.tr * t.tc <= limits.maxComputeInvocationsPerWorkgroup &&
    pisaWorkgroupBytes(kind, t, dk, dv) <= limits.maxComputeWorkgroupStorageSize
  );
  if (!tiles) {
    throw new RangeError(
      `piecewiseSparseAttention: no ${kind} tiling fits this device's workgroup memory ` +
        `(${limits.maxComputeWorkgroupStorageSize} bytes) at d_k = ${dk}, d_v = ${dv}`,
    );
  }
  return tiles;
}
