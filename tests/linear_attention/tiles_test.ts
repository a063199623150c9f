import { noGpu, testDevice } from "../_helpers.ts";
import { LA_TILES } from "../../ops/linear_attention/engine.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { linearAttentionReferenceGrads } from "../../ops/linear_attention/reference.ts";
import { type Case, compare, label, makeInput, seeded } from "./_cases.ts";

const device = (await testDevice())!;

// Tilings a tuner may pick: larger per-invocation tiles, smaller and larger workgroup tiles,
// short chunks (many partial states; the scratch in o or dq too small for all of them at the
// L_q ≠ L_k cases, so the chunks are lengthened).
const TILINGS = [
  {
    state: { maxTile: 32, rows: 16, rowsPerThread: 8, vec4sPerThread: 2, chunkMax: 16 },
    rows: { maxTile: 32, block: 128, inner: 32, rowsPerThread: 8, vec4sPerThread: 2 },
  },
  {
    state: { maxTile: 64, rows: 8, rowsPerThread: 8, vec4sPerThread: 1, chunkMin: 8, chunkMax: 24 },
    rows: { maxTile: 64, block: 32, inner: 8, rowsPerThread: 4, vec4sPerThread: 2 },
  },
  // Over lavapipe's 32 KiB of workgroup storage (fine on 48 KiB GPUs): falls back there.
  {
    state: { maxTile: 64, rows: 64, rowsPerThread: 4, vec4sPerThread: 1 },
    rows: { maxTile: 64, block: 128, inner: 64, rowsPerThread: 4, vec4sPerThread: 1 },
  },
];

// Cases per tiling (each new tiling compiles its kernels anew: slow on lavapipe).
const CASES: Case[][] = [
  [
    { B: 1, H: 2, lq: 63, lk: 200, dk: 60, dv: 64, dtype: "f32", layout: "BHTD" },
    { B: 2, H: 1, lq: 130, lk: 63, dk: 256, dv: 17, dtype: "f32", layout: "BTHD" },
  ],
  [{ B: 1, H: 1, lq: 63, lk: 63, dk: 64, dv: 128, dtype: "f16", layout: "BHTD" }],
  [{ B: 2, H: 1, lq: 100, lk: 150, dk: 64, dv: 64, dtype: "f32", layout: "BHTD" }],
];

for (const [i, tiles] of TILINGS.entries()) {
  Deno.test({
    name: `linearAttention with alternative tiling ${i} matches the reference`,
    ignore: noGpu,
    fn: async () => {
      const saved = structuredClone(LA_TILES);
      Object.assign(LA_TILES.state, tiles.state);
      Object.assign(LA_TILES.rows, tiles.rows);
      try {
        for (const c of CASES[i]) {
          const { seed, random } = seeded();
          const q = makeInput(device, c, c.lq, c.dk, random, "features");
          const k = makeInput(device, c, c.lk, c.dk, random, "features");
          const v = makeInput(device, c, c.lk, c.dv, random, "normal");
          const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
          const opts = { layout: c.layout };
          using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
          const g = f.pullback(dO.tensor);
          const ref = linearAttentionReferenceGrads(q, k, v, dO.data, opts);
          await compare(c, seed, {
            [`o (tiling ${i}, ${label(c, seed)})`]: [f.output, ref.output],
            dq: [g.dq, ref.dq],
            dk: [g.dk, ref.dk],
            dv: [g.dv, ref.dv],
          });
        }
      } finally {
        Object.assign(LA_TILES.state, saved.state);
        Object.assign(LA_TILES.rows, saved.rows);
      }
    },
  });
}
