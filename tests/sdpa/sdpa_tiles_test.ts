/**
 * Every tiling of the sweep (bench/sdpa_tiles.ts) run against the float64 reference at small,
 * odd sizes, so that the tilings chosen for 48 KiB GPUs are tested on any adapter (at d = 64
 * they would not fit lavapipe's 32 KiB).
 */
import assert from "node:assert/strict";
import { assertClose, freshSeed, noGpu, randn, rng, testDevice, tolFor } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { scaledDotProductAttention } from "../../ops/sdpa/mod.ts";
import { sdpaReference } from "../../ops/sdpa/reference.ts";
import {
  SDPA_TILE_SWEEP,
  SDPA_TILES,
  sdpaTilesValid,
  sdpaWorkgroupBytes,
} from "../../shaders/sdpa/kernels.ts";

const device = (await testDevice())!;
const [B, H, Lq, Lk, dk, dv] = [1, 2, 70, 45, 20, 12];

for (const set of SDPA_TILE_SWEEP) {
  Deno.test({
    name: `sdpa tiling "${set.name}" at Lq${Lq} Lk${Lk} dk${dk} dv${dv}: fwd + bwd`,
    ignore: noGpu,
    fn: async () => {
      const kinds = ["fwd", "dq", "dkdv"] as const;
      for (const kind of kinds) {
        assert.ok(sdpaTilesValid(set[kind]), `${kind} tiling ${JSON.stringify(set[kind])}`);
        const bytes = sdpaWorkgroupBytes({ ...set[kind], kind, dk, dv });
        assert.ok(bytes <= device.limits.maxComputeWorkgroupStorageSize, `${kind}: ${bytes} B`);
      }
      const saved = kinds.map((kind) => SDPA_TILES[kind]);
      for (const kind of kinds) SDPA_TILES[kind] = [set[kind]];
      try {
        const seed = freshSeed(), random = rng(seed);
        const q = randn(B * H * Lq * dk, random).map((x) => 2 * x);
        const k = randn(B * H * Lk * dk, random), v = randn(B * H * Lk * dv, random);
        const dO = randn(B * H * Lq * dv, random);
        const up = (x: Float64Array<ArrayBuffer>, t: number, d: number) =>
          Tensor.fromArraySync(device, x, [B, H, t, d]);
        using tq = up(q, Lq, dk), tk = up(k, Lk, dk), tv = up(v, Lk, dv), tdO = up(dO, Lq, dv);
        using run = scaledDotProductAttention.vjp(tq, tk, tv);
        using o = run.output;
        const g = run.pullback(tdO);
        const shape = (t: number, d: number) => [B, H, t, d];
        const ref = sdpaReference(
          { data: Float64Array.from(new Float32Array(q)), shape: shape(Lq, dk) },
          { data: Float64Array.from(new Float32Array(k)), shape: shape(Lk, dk) },
          { data: Float64Array.from(new Float32Array(v)), shape: shape(Lk, dv) },
          Float64Array.from(new Float32Array(dO)),
        );
        const tol = tolFor("f32");
        assertClose(await o.read(), ref.output, tol, `o (seed ${seed})`);
        assertClose(await g.dq.read(), ref.dq, tol, `dq (seed ${seed})`);
        assertClose(await g.dk.read(), ref.dk, tol, `dk (seed ${seed})`);
        assertClose(await g.dv.read(), ref.dv, tol, `dv (seed ${seed})`);
        for (const t of [g.dq, g.dk, g.dv]) t.destroy();
      } finally {
        kinds.forEach((kind, i) => SDPA_TILES[kind] = saved[i]);
      }
    },
  });
}
