/**
 * Every tiling of the sweep (bench/sdpa_sweep.ts), on every path (portable, subgroups with
 * score tiles in workgroup memory, subgroups with shuffles, and with the forward's prefetch;
 * d_k = 20, d_v = 12 take the vec4 loads), run against the float64
 * reference at small, odd sizes, so that the tilings chosen for 48 KiB GPUs are tested on any
 * adapter (at d = 64 they would not fit lavapipe's 32 KiB); and the default tilings on a device
 * requested without subgroups (the browsers' portable path).
 */
import assert from "node:assert/strict";
import {
  assertClose,
  dtypesOf,
  freshSeed,
  noGpu,
  randn,
  rng,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";
import {
  type DType,
  requestDevice,
  setPoisonOutputs,
  subgroupSize,
  Tensor,
} from "../../ops/_runtime/mod.ts";
import { scaledDotProductAttentionWith, type SdpaTuning } from "../../ops/sdpa/mod.ts";
import { sdpaReference } from "../../ops/sdpa/reference.ts";
import {
  SDPA_PATHS,
  SDPA_PREFETCH_PATH,
  SDPA_TILE_SWEEP,
  sdpaTilesValid,
  sdpaWorkgroupBytes,
  tilesOnPath,
} from "../../shaders/sdpa/kernels.ts";

const device = (await testDevice())!;
const [B, H, Lq, Lk, dk, dv] = [1, 2, 70, 45, 20, 12];

/** Runs fwd + bwd with `tuning` on `dev` and compares with float64 (inputs rounded to dtype). */
async function checkAgainstReference(dev: GPUDevice, tuning: SdpaTuning, dtype: DType) {
  const seed = freshSeed(), random = rng(seed);
  const round = (x: Float64Array<ArrayBuffer>) =>
    dtype === "f16" ? roundToF16(x) : Float64Array.from(new Float32Array(x));
  const q = round(randn(B * H * Lq * dk, random).map((x) => 2 * x));
  const k = round(randn(B * H * Lk * dk, random)), v = round(randn(B * H * Lk * dv, random));
  const dO = round(randn(B * H * Lq * dv, random));
  const up = (x: Float64Array<ArrayBuffer>, t: number, d: number) =>
    Tensor.fromArraySync(dev, x, [B, H, t, d], dtype);
  using tq = up(q, Lq, dk), tk = up(k, Lk, dk), tv = up(v, Lk, dv), tdO = up(dO, Lq, dv);
  using run = scaledDotProductAttentionWith(tuning).vjp(tq, tk, tv);
  using o = run.output;
  const g = run.pullback(tdO);
  const shape = (t: number, d: number) => [B, H, t, d];
  const ref = sdpaReference(
    { data: q, shape: shape(Lq, dk) },
    { data: k, shape: shape(Lk, dk) },
    { data: v, shape: shape(Lk, dv) },
    dO,
  );
  const tol = tolFor(dtype);
  assertClose(await o.read(), ref.output, tol, `o (seed ${seed})`);
  assertClose(await g.dq.read(), ref.dq, tol, `dq (seed ${seed})`);
  assertClose(await g.dk.read(), ref.dk, tol, `dk (seed ${seed})`);
  assertClose(await g.dv.read(), ref.dv, tol, `dv (seed ${seed})`);
  for (const t of [g.dq, g.dk, g.dv]) t.destroy();
}

for (const set of SDPA_TILE_SWEEP) {
  for (const path of [...SDPA_PATHS, SDPA_PREFETCH_PATH]) {
    Deno.test({
      name: `sdpa tiling "${set.name}", ${path.name}, Lq${Lq} Lk${Lk} dk${dk} dv${dv}: fwd + bwd`,
      ignore: noGpu,
      fn: async () => {
        const tiles = tilesOnPath(set, path);
        const size = path.subgroups ? subgroupSize(device) : undefined;
        for (const kind of ["fwd", "dq", "dkdv"] as const) {
          assert.ok(sdpaTilesValid(tiles[kind]), `${kind} tiling ${JSON.stringify(tiles[kind])}`);
          const subgroup = size !== undefined && size % tiles[kind].tc === 0 ? size : undefined;
          const bytes = sdpaWorkgroupBytes({ ...tiles[kind], kind, dk, dv, subgroup });
          assert.ok(bytes <= device.limits.maxComputeWorkgroupStorageSize, `${kind}: ${bytes} B`);
        }
        await checkAgainstReference(device, { subgroups: path.subgroups, tiles }, "f32");
      },
    });
  }
}

const portable = noGpu ? undefined : await requestDevice({ subgroups: false });
if (portable) setPoisonOutputs(portable, true);

for (const dtype of dtypesOf(portable)) {
  Deno.test({
    name: `sdpa ${dtype} default tilings on a device without subgroups: fwd + bwd`,
    ignore: noGpu,
    fn: async () => {
      assert.equal(subgroupSize(portable!), undefined);
      await checkAgainstReference(portable!, {}, dtype);
    },
  });
}

Deno.test({
  name: "sdpa: the subgroup path is tested where the device has subgroups",
  ignore: noGpu || subgroupSize(device) === undefined,
  fn: async () => {
    for (const dtype of dtypesOf(device)) await checkAgainstReference(device, {}, dtype);
  },
});
