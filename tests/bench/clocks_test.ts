import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import {
  clocksTable,
  parseSmiLine,
  reasonNames,
  runClocks,
  summarise,
} from "../../bench/clocks.ts";

Deno.test("clocks: nvidia-smi lines, reason bits and medians", () => {
  assert.deepEqual(parseSmiLine("1980, 412.35, 41, 0x0000000000000004"), {
    mhz: 1980,
    watts: 412.35,
    celsius: 41,
    reasons: 4,
  });
  assert.equal(parseSmiLine("1980, [N/A], 41, 0x0"), undefined);
  assert.equal(parseSmiLine("1980, 400"), undefined);
  assert.equal(reasonNames(0), "none");
  assert.equal(reasonNames(0x4 | 0x40), "SW power cap, HW thermal");
  const s = (mhz: number, watts: number, reasons: number) => ({ mhz, watts, celsius: 50, reasons });
  // Reasons: those active in at least half the samples (idle in one of three is left out).
  assert.deepEqual(summarise([s(1980, 300, 1), s(1700, 690, 4), s(1800, 650, 4)]), {
    samples: 3,
    mhz: 1800,
    minMhz: 1700,
    watts: 650,
    maxWatts: 690,
    celsius: 50,
    reasons: 4,
  });
  assert.equal(summarise([]), undefined);
});

Deno.test({
  name: "clocks: every workload runs and gets the readings taken while it ran (fake nvidia-smi)",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    const dir = await Deno.makeTempDir();
    const path = Deno.env.get("PATH") ?? "";
    // One reading per call, or one every 20 ms with -lms (a power-capped 1755 MHz).
    await Deno.writeTextFile(
      `${dir}/nvidia-smi`,
      `#!/bin/sh
case "$*" in
  *-lms*) while :; do echo "1755, 612.5, 51, 0x0000000000000004"; sleep 0.02; done ;;
  *) echo "1980, 80.1, 40, 0x0000000000000001" ;;
esac
`,
      { mode: 0o755 },
    );
    Deno.env.set("PATH", `${dir}:${path}`);
    try {
      const rows = await runClocks(device, { T: 64, seconds: 0.1, small: true, smi: true });
      const f16 = device.features.has("shader-f16");
      assert.equal(rows.length, f16 ? 8 : 6, rows.map((r) => r.name).join());
      assert.equal(rows[0].name, "idle");
      assert.equal(rows[0].tflops, undefined);
      for (const r of rows) {
        assert.ok(r.clocks && r.clocks.samples >= 2, r.name);
        assert.equal(r.clocks.mhz, 1755);
        assert.equal(reasonNames(r.clocks.reasons), "SW power cap");
        if (r.name !== "idle") assert.ok(r.tflops! > 0 && Number.isFinite(r.tflops), r.name);
      }
      const table = clocksTable(rows).split("\n");
      assert.equal(table.length, rows.length + 2);
      assert.match(
        table[3],
        /^\| FMA ceiling, f32 .* \| 1755 \(1755\) \| 613 \(613\) \| 51 \| SW power cap \| 100 \|$/,
      );
    } finally {
      Deno.env.set("PATH", path);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
