import assert from "node:assert/strict";
import { assertClose, dtypesOf, freshSeed, noGpu, rng, testDevice, tolFor } from "../_helpers.ts";
import { subgroupSize, Tensor } from "../../ops/_runtime/mod.ts";
import { pisaBackward } from "../../ops/piecewise_attention/bwd.ts";
import { pisaForward } from "../../ops/piecewise_attention/fwd.ts";
import { planPisa } from "../../ops/piecewise_attention/plan.ts";
import { piecewiseSparseAttentionWith } from "../../ops/piecewise_attention/mod.ts";
import {
  piecewiseSparseAttentionBackwardReference,
  piecewiseSparseAttentionReference,
  type PisaDims,
  pisaTopK,
} from "../../ops/piecewise_attention/reference.ts";
import { compareWithReference, pisaInputs, type PisaTestOptions } from "./_pisa.ts";
import { type SdpaTiles, TileCode } from "../../shaders/attention_tiles.ts";
import { pseudoBuffers } from "../../shaders/piecewise_attention/rows.ts";
import {
  PISA_TILE_SWEEP,
  pisaCandidates,
  type PisaTileKind,
  pisaTilesFit,
} from "../../shaders/piecewise_attention/tiles.ts";

const device = (await testDevice())!;
const dtypes = dtypesOf(device);

// label, dims, options, layout
const cases: [string, PisaDims, PisaTestOptions, "BHTD" | "BTHD"][] = [
  ["odd sizes, partial chunk", { B: 2, H: 1, T: 200, dk: 24, dv: 20 }, {
    density: 0.3,
    blockSize: 16,
  }, "BHTD"],
  ["useBias, BTHD", { B: 1, H: 2, T: 75, dk: 17, dv: 9 }, {
    density: 0.4,
    blockSize: 16,
    useBias: true,
    scale: 0.3,
  }, "BTHD"],
  ["T=1000, blockSize 64", { B: 1, H: 1, T: 1000, dk: 16, dv: 16 }, {
    density: 0.2,
    blockSize: 64,
  }, "BHTD"],
  ["dk=130, dv=256, blockSize 32", { B: 1, H: 1, T: 77, dk: 130, dv: 256 }, {
    density: 0.5,
    blockSize: 32,
    useBias: true,
  }, "BHTD"],
  ["T=1, D=1, blockSize 128", { B: 1, H: 1, T: 1, dk: 1, dv: 1 }, {
    density: 0.1,
    blockSize: 128,
  }, "BHTD"],
  ["dk=1, dv=3, blockSize 128", { B: 1, H: 2, T: 300, dk: 1, dv: 3 }, {
    density: 0.5,
    blockSize: 128,
  }, "BHTD"],
];

for (const dtype of dtypes) {
  for (const [label, d, o, layout] of cases) {
    // The f16 path differs only in loads and stores: three cases cover it.
    if (dtype === "f16" && (d.dk > 64 || d.T === 1 || d.T >= 1000)) continue;
    Deno.test({
      name: `pisa ${dtype} ${layout} ${label}: selection, fwd and bwd vs float64`,
      ignore: noGpu,
      fn: async () => {
        const seed = freshSeed();
        const r = await compareWithReference(device, d, o, dtype, layout, rng(seed));
        const tol = tolFor(dtype);
        const at = `(seed ${seed})`;
        if (dtype === "f32") assert.deepEqual(r.selection, r.refSelection, `selection ${at}`);
        for (const name of ["o", "dq", "dk", "dv"] as const) {
          assert.ok(r[name] <= tol, `${name}: relative RMS ${r[name]} > ${tol} ${at}`);
        }
      },
    });
  }
}

Deno.test({
  name: "pisa top_k = max(1, trunc(density·NT)) in IEEE double, as the GPU selects",
  ignore: noGpu,
  fn: async () => {
    assert.equal(pisaTopK(0.29, 100), 28); // 0.29·100 = 28.999…
    assert.equal(pisaTopK(0.001, 100), 1);
    assert.equal(pisaTopK(1, 7), 7);
    // T = 1600, blockSize 16: NT = 100, so 28 chunks per query block.
    const d = { B: 1, H: 1, T: 1600, dk: 8, dv: 4 };
    const seed = freshSeed();
    const r = await compareWithReference(
      device,
      d,
      {
        density: 0.29,
        blockSize: 16,
      },
      "f32",
      "BHTD",
      rng(seed),
    );
    assert.equal(r.selection.length, 100 * 28);
    assert.deepEqual(r.selection, r.refSelection, `seed ${seed}`);
    assert.ok(r.o <= 1e-5 && r.dq <= 1e-5 && r.dk <= 1e-5 && r.dv <= 1e-5, JSON.stringify(r));
  },
});

/**
 * What a selection exercises in the kernels that walk it (the prefetch's edges): a row's list
 * of a single chunk; a chunk no query block selects (an empty list in the dk/dv kernel);
 * consecutive entries of a list that are not adjacent chunks.
 */
function selectionShape(sel: Int32Array, nt: number, topK: number) {
  const lists = Array.from(
    { length: sel.length / topK },
    (_, r) => Array.from(sel.subarray(r * topK, (r + 1) * topK)),
  );
  const selected = new Set(lists.flatMap((l, r) => l.map((n) => Math.floor(r / nt) * nt + n)));
  return {
    single: topK === 1,
    unselectedChunk: selected.size < lists.length,
    gap: lists.some((l) => l.some((n, p) => p > 0 && n - l[p - 1] > 1)),
  };
}

// The tiling tests' shape: NT = 6 chunks, the last of 13 rows; density 0.2 selects one chunk
// per row, 0.6 three.
const tilingDims = { B: 1, H: 2, T: 333, dk: 40, dv: 24 };
const tilingOptions = [
  { density: 0.2, blockSize: 64, useBias: true },
  { density: 0.6, blockSize: 64, useBias: false },
];

/**
 * Runs forward and backward with `tiles` on the path `subgroups` selects (asserting that it is
 * taken and prefetches as `prefetch` says, the pseudo-keys of the forward and dq as
 * `prefetchPseudo` says), compares o, dq, dk, dv with float64, and returns the shape of the
 * selection.
 */
async function checkTiling(
  tiles: Record<PisaTileKind, SdpaTiles>,
  o: PisaTestOptions,
  subgroups: boolean,
  prefetch: boolean,
  prefetchPseudo = false,
  d: PisaDims = tilingDims,
) {
  const size = subgroups ? subgroupSize(device) : undefined;
  const seed = freshSeed();
  const x = pisaInputs(d, o.blockSize, "f32", rng(seed));
  const up = (a: Float64Array<ArrayBuffer>, D: number) =>
    Tensor.fromArraySync(device, a, [d.B, d.H, d.T, D]);
  using q = up(x.q, d.dk), k = up(x.k, d.dk), v = up(x.v, d.dv), dO = up(x.dO, d.dv);
  const plan = planPisa({
    device,
    dtype: "f32",
    layout: "BHTD",
    ...d,
    ...o,
    useBias: o.useBias ?? false,
    scale: 1 / Math.sqrt(d.dk),
    tiles,
    subgroups,
  });
  for (const kind of ["fwd", "dq", "dkdv"] as const) {
    assert.equal(plan.tiles[kind].subgroup, size, `${kind} runs on the path tested`);
    const code = new TileCode({ ...tiles[kind], dk: d.dk, dv: d.dv, dtype: "f32", subgroup: size });
    assert.equal(code.prefetch, prefetch, `${kind} prefetches as tested`);
    if (kind === "dkdv") continue; // it has no pseudo-keys
    assert.equal(
      pseudoBuffers({ ...tiles[kind], dk: d.dk, dv: d.dv, subgroup: size }),
      prefetchPseudo ? 3 : 1,
      `${kind} prefetches pseudo-keys as tested`,
    );
  }
  const { o: out, saved } = pisaForward(plan, q, k, v, true);
  const g = pisaBackward(plan, q, k, v, dO, saved);
  const raw = await saved.sel.readRaw();
  const selection = new Int32Array(raw.buffer, 0, plan.sizes.sel);
  const ref = { ...o, selection };
  const at = `tiles ${JSON.stringify(tiles)}, density ${o.density} (seed ${seed})`;
  assertClose(
    await out.read(),
    piecewiseSparseAttentionReference(x.q, x.k, x.v, d, ref),
    1e-5,
    `o ${at}`,
  );
  const rg = piecewiseSparseAttentionBackwardReference(x.q, x.k, x.v, x.dO, d, ref);
  for (const n of ["dq", "dk", "dv"] as const) {
    assertClose(await g[n].read(), rg[n], 1e-5, `${n} ${at}`);
    g[n].destroy();
  }
  for (const t of [out, ...Object.values(saved)]) t.destroy();
  return { ...selectionShape(selection, plan.nt, plan.topK), pseudoKeys: plan.nt - plan.topK };
}

// Paths: portable; subgroup reductions with score tiles in memory without prefetch; with
// shuffles and prefetch of the next selected tile, the pseudo-key tiles not prefetched and
// dk/dv's two passes in two dispatches; score tiles in memory and by shuffles with everything
// prefetched and one dk/dv dispatch (the defaults' fields).
for (
  const [subgroups, shuffle, prefetch, optIn] of [
    [false, false, false, false],
    [true, false, false, false],
    [true, true, true, false],
    [true, false, true, true],
    [true, true, true, true],
  ] as const
) {
  const prefetchPseudo = optIn, fusedCols = optIn;
  Deno.test({
    name: `pisa: every forward, dq and dk/dv tiling that fits the device matches float64 (${
      subgroups
        ? `subgroup path, score tiles ${shuffle ? "by shuffles" : "in memory"}, ${
          prefetch ? "" : "no "
        }prefetch${optIn ? " incl. pseudo-keys, one dk/dv dispatch" : ""}`
        : "portable path"
    }; one-chunk and gapped selections)`,
    ignore: noGpu || (subgroups && subgroupSize(device) === undefined),
    fn: async () => {
      const d = tilingDims;
      const size = subgroups ? subgroupSize(device) : undefined;
      const fitting = (kind: PisaTileKind) =>
        pisaCandidates(kind, subgroups)
          .map((t) => ({ ...t, shuffle, prefetch, prefetchPseudo, fusedCols }))
          .filter((t) => pisaTilesFit(kind, t, 64, d.dk, d.dv, device.limits, size));
      const lists = { fwd: fitting("fwd"), dq: fitting("dq"), dkdv: fitting("dkdv") };
      const runs = Math.max(...Object.values(lists).map((l) => l.length));
      assert.ok(Object.values(lists).every((l) => l.length >= 2), "two tilings of each run here");
      const nth = (kind: PisaTileKind, i: number) =>
        lists[kind][Math.min(i, lists[kind].length - 1)];
      const seenShapes = { single: false, unselectedChunk: false, gap: false };
      for (let i = 0; i < runs; i++) {
        const tiles = { fwd: nth("fwd", i), dq: nth("dq", i), dkdv: nth("dkdv", i) };
        const shape = await checkTiling(
          tiles,
          tilingOptions[i % 2],
          subgroups,
          prefetch,
          prefetchPseudo,
        );
        for (const key of Object.keys(seenShapes) as (keyof typeof seenShapes)[]) {
          seenShapes[key] ||= shape[key];
        }
      }
      assert.deepEqual(
        seenShapes,
        { single: true, unselectedChunk: true, gap: true },
        "the selections covered a one-chunk list, an unselected chunk and a gap",
      );
    },
  });
}

Deno.test({
  name: "pisa: the sweep's own tilings (PISA_TILE_SWEEP) match float64 with shuffles and prefetch",
  ignore: noGpu || subgroupSize(device) === undefined,
  fn: async () => {
    for (const set of PISA_TILE_SWEEP) {
      const on = (t: SdpaTiles) => ({ ...t, shuffle: true, prefetch: true });
      const tiles = { fwd: on(set.fwd), dq: on(set.dq), dkdv: on(set.dkdv) };
      for (const o of tilingOptions) await checkTiling(tiles, o, true, true);
    }
  },
});

// Many pseudo-key steps: NT = 21 chunks of 16 rows (the last of 13); density 0.2 selects 4
// chunks per row (17 pseudo-keys: 5 steps of BC = 4, so the 3 key buffers wrap), 0.05 one
// (20), 1.0 all of them (no pseudo-keys).
const manyPseudo = {
  dims: { B: 1, H: 2, T: 333, dk: 40, dv: 24 },
  options: [0.2, 0.05, 1].map((density) => ({ density, blockSize: 16 })),
};

Deno.test({
  name:
    "pisa: the pseudo-key prefetch over many steps, one-chunk lists and none matches float64 (one dk/dv dispatch)",
  ignore: noGpu || subgroupSize(device) === undefined,
  fn: async () => {
    const d = manyPseudo.dims, size = subgroupSize(device);
    const seen = new Set<number>();
    for (const shuffle of [false, true]) {
      const fitting = (kind: PisaTileKind) =>
        pisaCandidates(kind, true)
          .map((t) => ({ ...t, shuffle, prefetch: true, prefetchPseudo: true, fusedCols: true }))
          .filter((t) => pisaTilesFit(kind, t, 16, d.dk, d.dv, device.limits, size));
      const lists = { fwd: fitting("fwd"), dq: fitting("dq"), dkdv: fitting("dkdv") };
      assert.ok(lists.fwd.some((t) => t.bc === 4) && lists.dq.some((t) => t.bc === 4), "BC = 4");
      for (let i = 0; i < Math.max(lists.fwd.length, lists.dq.length); i++) {
        const nth = (kind: PisaTileKind) => lists[kind][Math.min(i, lists[kind].length - 1)];
        const tiles = { fwd: nth("fwd"), dq: nth("dq"), dkdv: nth("dkdv") };
        for (const o of manyPseudo.options) {
          seen.add((await checkTiling(tiles, o, true, true, true, d)).pseudoKeys);
        }
      }
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [0, 17, 20], "pseudo-key counts");
  },
});

Deno.test({
  name:
    "pisa: the prefetch (of pseudo-keys too) and one dk/dv dispatch change the order of work, not the result",
  ignore: noGpu || subgroupSize(device) === undefined,
  fn: async () => {
    for (
      const [d, options] of [
        [tilingDims, { density: 0.6, blockSize: 64 }],
        [manyPseudo.dims, manyPseudo.options[0]],
      ] as const
    ) await checkPrefetchBits(d, options);
  },
});

/**
 * Runs forward and backward with the default tilings without prefetch, with it, with the
 * pseudo-keys prefetched too, and with dk/dv's passes fused, and asserts that o, dq, dk, dv
 * have the same bits.
 */
async function checkPrefetchBits(d: PisaDims, options: { density: number; blockSize: number }) {
  {
    const seed = freshSeed();
    const x = pisaInputs(d, options.blockSize, "f32", rng(seed));
    const up = (a: Float64Array<ArrayBuffer>, D: number) =>
      Tensor.fromArraySync(device, a, [d.B, d.H, d.T, D]);
    using q = up(x.q, d.dk), k = up(x.k, d.dk), v = up(x.v, d.dv), dO = up(x.dO, d.dv);
    const results: Float32Array[][] = [];
    for (
      const [prefetch, prefetchPseudo, fusedCols] of [
        [false, false, false],
        [true, false, false],
        [true, true, false],
        [true, false, true],
      ]
    ) {
      const tile = (kind: PisaTileKind) => ({
        ...pisaCandidates(kind, true).find((t) =>
          pisaTilesFit(kind, t, options.blockSize, d.dk, d.dv, device.limits, subgroupSize(device))
        )!,
        prefetch,
        prefetchPseudo,
        fusedCols,
      });
      const op = piecewiseSparseAttentionWith({
        tiles: { fwd: tile("fwd"), dq: tile("dq"), dkdv: tile("dkdv") },
      });
      using run = op.vjp(q, k, v, options);
      const g = run.pullback(dO);
      results.push([
        await run.output.read(),
        await g.dq.read(),
        await g.dk.read(),
        await g.dv.read(),
      ]);
      for (const t of [g.dq, g.dk, g.dv]) t.destroy();
    }
    for (const r of [1, 2, 3]) {
      ["o", "dq", "dk", "dv"].forEach((name, i) =>
        assert.deepEqual(results[r][i], results[0][i], `${name}, form ${r} (seed ${seed})`)
      );
    }
  }
}
