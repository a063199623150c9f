import assert from "node:assert/strict";
import { dtypesOf, noGpu, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { readPrefix } from "../../bench/_sweep.ts";

Deno.test({
  name: "readPrefix: the first n elements (all when fewer), f32 and f16, odd counts",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    const values = Array.from({ length: 37 }, (_, i) => i - 18.5); // exact in f16
    for (const dtype of dtypesOf(device)) {
      using t = Tensor.fromArraySync(device, values, [37], dtype);
      for (const n of [1, 5, 36, 37, 100]) {
        const got = await readPrefix(t, n);
        assert.deepEqual(Array.from(got), values.slice(0, n), `${dtype}, n = ${n}`);
      }
    }
  },
});

Deno.test({
  name: "la_sweep CLI: one row per T and candidate, f32 rows, the report file",
  ignore: noGpu,
  fn: async () => {
    const script = new URL("../../bench/la_sweep.ts", import.meta.url).pathname;
    const out = await Deno.makeTempDir();
    const args = ["--B=1", "--H=2", "--D=16", "--T=33,70", "--f32T=40", "--reps=2", "--no-ladder"];
    // At these sizes the default is one chunk with 4 × 4 state tiles too: the same kernels.
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args, `--out=${out}`, "--only=default,chunk 1024 fill"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(stdout, /first 2\^20 elements each/);
    const rows = stdout.split("\n").filter((l) => /^\| \d/.test(l));
    const f16 = (await testDevice())!.features.has("shader-f16");
    assert.deepEqual(rows.map((r) => r.split(" | ").slice(0, 2).join(" ")), [
      ...(f16
        ? ["| 33 default", "| 33 chunk 1024 fill", "| 70 default", "| 70 chunk 1024 fill"]
        : []),
      "| 40 default",
    ]);
    for (const row of rows) {
      const diff = Number(row.split(" | ").at(-1)!.replace(" |", ""));
      assert.ok(diff < 1e-5, row); // the same math, whatever the tiling
    }
    const file = await Deno.readTextFile(`${out}/la_sweep.md`);
    for (const row of rows) assert.ok(file.includes(row), row);
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test({
  name: "matmul_sweep CLI (--tiny --json): a row per tile, every tile's C bitwise the first's",
  ignore: noGpu,
  fn: async () => {
    const script = new URL("../../bench/matmul_sweep.ts", import.meta.url).pathname;
    const shapes = "dyᵀ·x 1024×16384×1024,x·Wᵀ 16384×256×256"; // the sweep's order
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        script,
        "--tiny",
        "--reps=2",
        "--dtype=f32",
        `--shapes=${shapes}`,
        "--json",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    const { rows } = JSON.parse(new TextDecoder().decode(run.stdout));
    assert.equal(rows.length, 2 * 7);
    assert.deepEqual([...new Set(rows.map((r: { shape: string }) => r.shape))], shapes.split(","));
    for (const r of rows) {
      assert.ok(r.ms > 0, JSON.stringify(r));
      // Each output's K products are added in K order by one invocation, whatever the tile.
      assert.equal(r.maxRelDiff, 0, JSON.stringify(r));
    }
  },
});
