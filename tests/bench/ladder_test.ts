import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import { fmaPerIteration, ladderTable, RUNGS, runLadder } from "../../bench/ladder.ts";

Deno.test({
  name: "ladder: every rung the device supports runs (CPU sizes) and the table lists it",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    const rungs = await runLadder(device, true);
    const f16 = device.features.has("shader-f16");
    // Without shader-f16: no f16 FMA, f16-staged state or f16 block rungs (12); the subgroup rung
    // needs subgroups of a multiple of 8.
    assert.ok(rungs.length >= RUNGS.length - (f16 ? 0 : 12) - 1, rungs.map((r) => r.name).join());
    for (const r of rungs) assert.ok(Number.isFinite(r.tflops) && r.tflops > 0, r.name);
    const table = ladderTable(rungs).split("\n");
    assert.equal(table.length, rungs.length + 2);
    assert.match(table[2], /^\| fma f32 \| [\d.e-]+ \| 100 \|$/);
    assert.equal(fmaPerIteration("f32"), 16 * 16 * 4);
    assert.equal(fmaPerIteration("vec2h"), 16 * 16 * 2);
  },
});
