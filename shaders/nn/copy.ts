/**
 * WGSL generator of the strided copy behind every layout block (head split/merge, feature
 * split/concat, patch extraction): `dst[dst_off + Σ c_d·ds_d] = src[src_off + Σ c_d·ss_d]` for
 * every coordinate `c` of a rank-6 copy shape `dim`; and a zero fill.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { decomposeWgsl, elementwiseMain, enableFor, MAX_RANK, rankFields } from "./common.ts";

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

/**
 * Copy (over the last `rank` dims of the copy shape; the launcher drops and merges the rest) or
 * zero-fill kernel, `PER_THREAD` (common.ts) elements per invocation.
 */
export function copyWgsl(dtype: DType, fill: boolean, rank = MAX_RANK): string {
  const main = fill
    ? elementwiseMain(() => "", (_k, i) => `dst[u.dst_off + ${i}] = ${dtype}(0.0);`)
    : elementwiseMain(
      (k, i) =>
        `var si${k} = u.src_off;
  var di${k} = u.dst_off;
  ${decomposeWgsl(i, "dim", [[`si${k}`, "ss"], [`di${k}`, "ds"]], rank, `_${k}`)}
  let v${k} = src[si${k}];`,
      (k) => `dst[di${k}] = v${k};`,
    );
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}
${main}`;
}
