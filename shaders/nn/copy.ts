/**
 * WGSL generator of the strided copy behind every layout block (head split/merge, feature
 * split/concat, patch extraction): `dst[dst_off + Σ c_d·ds_d] = src[src_off + Σ c_d·ss_d]` for
 * every coordinate `c` of a rank-6 copy shape `dim`; and a zero fill.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { decomposeWgsl, enableFor, MAIN_WGSL, NN_WORKGROUP, rankFields } from "./common.ts";

/** Uniforms of the copy kernel (`n`: elements to copy; the fill uses `n` and `dst_off`). */
export const copyParams = new UniformBlock(
  Object.fromEntries(
    [
      "n",
      "src_off",
      "dst_off",
      ...["dim", "ss", "ds"].flatMap(rankFields),
    ].map((f) => [f, "u32"]),
  ) as Record<string, "u32">,
);

/** Storage of the copy (src, dst) or zero-fill (dst) kernel. */
export function copyStorage(dtype: DType, fill: boolean): StorageBinding[] {
  return fill ? [readWrite("dst", dtype)] : [read("src", dtype), readWrite("dst", dtype)];
}

/** Copy or zero-fill kernel. */
export function copyWgsl(dtype: DType, fill: boolean): string {
  const body = fill ? `dst[u.dst_off + i] = ${dtype}(0.0);` : `var si = u.src_off;
  var di = u.dst_off;
  ${decomposeWgsl("i", "dim", [["si", "ss"], ["di", "ds"]])}
  dst[di] = src[si];`;
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}
${MAIN_WGSL}
  let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.n) { return; }
  ${body}
}`;
}
