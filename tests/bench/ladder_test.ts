import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import {
  fmaPerIteration,
  ladderTable,
  padded,
  PADS,
  RUNGS,
  runLadder,
  stagedKiB,
} from "../../bench/ladder.ts";

Deno.test({
  name: "ladder: every rung the device supports runs (CPU sizes) and the table lists it",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    const rungs = await runLadder(device, true);
    const f16 = device.features.has("shader-f16");
    // Without shader-f16: no f16 FMA, f16-staged state or f16 block rungs (13), no padded rungs
    // with f16 staging; padded rungs beyond the device's workgroup memory are skipped; the
    // subgroup rung needs subgroups of a multiple of 8.
    const limit = device.limits.maxComputeWorkgroupStorageSize;
    const pads = PADS.filter(([h, kib]) => (h && !f16) || (stagedKiB(h) + kib) * 1024 > limit);
    const skipped = (f16 ? 0 : 13) + pads.length;
    assert.ok(rungs.length >= RUNGS.length - skipped - 1, rungs.map((r) => r.name).join());
    for (const r of rungs) assert.ok(Number.isFinite(r.tflops) && r.tflops > 0, r.name);
    const table = ladderTable(rungs).split("\n");
    assert.equal(table.length, rungs.length + 2);
    assert.match(table[2], /^\| fma f32 \| [\d.e-]+ \| 100 \|$/);
    assert.equal(fmaPerIteration("f32"), 16 * 16 * 4);
    assert.equal(fmaPerIteration("vec2h"), 16 * 16 * 2);
  },
});

Deno.test("ladder: padding adds one workgroup array, written and read once before the outputs", () => {
  const wgsl = "var<workgroup> s_y: array<f32, 4>;\nfn main() {\n  let direct = u.direct != 0u;\n}";
  assert.equal(padded(wgsl, 0), wgsl);
  const out = padded(wgsl, 2);
  assert.match(out, /^var<workgroup> ladder_pad: array<vec4f, 128>;$/m);
  assert.ok(out.indexOf("ladder_pad[lid % 128u]") < out.indexOf("let direct"));
  assert.throws(() => padded("fn main() {}", 2), /no longer has the lines/);
});
