import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";
import { parseBenchFlags } from "../../bench/measure.ts";

const root = new URL("../../", import.meta.url).pathname;

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

interface Row {
  op: string;
  mode: string;
  B: number;
  H: number;
  T: number;
  D: number;
  flops: number;
  bytes: number;
  time: { p20: number; p50: number; p80: number };
}

Deno.test("bench flags: lists, the varlen lengths and a bad dtype", () => {
  const f = parseBenchFlags(["--T", "64,128", "--n=16,32", "--B", "3", "--dtype", "f32"]);
  assert.deepEqual([f.T, f.n, f.B, f.H, f.dtype, f.check], [
    [64, 128],
    [16, 32],
    3,
    undefined,
    "f32",
    false,
  ]);
  assert.throws(
    () => parseBenchFlags(["--dtype", "bf16"]),
    /--dtype \/ BENCH_DTYPE: unknown value "bf16"/,
  );
});

Deno.test({
  name: "profile CLI: decoupled and varlen entries at tiny sizes (--json, counts)",
  ignore: noGpu,
  fn: async () => {
    const ops = ["naive_decoupled_la", "decoupled_la", "padded_la", "varlen_la"];
    const r = await run([
      "run",
      "-A",
      "bench/profile.ts",
      `--ops=${ops.join(",")}`,
      "--B=3",
      "--H=2",
      "--T=17",
      "--D=8",
      "--dtype=f32",
      "--layout=BTHD",
      "--reps=2",
      "--no-ceilings",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows: Row[] = JSON.parse(r.stdout).rows;
    assert.deepEqual(
      rows.map((x) => `${x.op} ${x.mode}`),
      ops.flatMap((op) => [`${op} fwd`, `${op} fwdbwd`]),
    );
    const size = 3 * 2 * 17 * 8; // B·H·T·D elements
    for (const row of rows) {
      const bwd = row.mode === "fwdbwd";
      // Linear-attention FLOPs for all four (the varlen op: 3 sequences of 17 tokens).
      assert.equal(row.flops, (bwd ? 12 : 4) * size * 8, `${row.op} ${row.mode} flops`);
      const inputs = row.op.includes("decoupled") ? 5 : 3;
      const tensors = bwd ? 3 * inputs + 3 : inputs + 1;
      assert.equal(row.bytes, tensors * size * 4, `${row.op} ${row.mode} bytes`);
      assert.ok(0 < row.time.p20 && row.time.p20 <= row.time.p50 && row.time.p50 <= row.time.p80);
    }
  },
});

Deno.test({
  name: "deno bench extra_bench.ts: the decoupled and varlen groups at tiny sizes",
  ignore: noGpu,
  fn: async () => {
    const r = await run([
      "bench",
      "-A",
      "bench/extra_bench.ts",
      "--",
      "--T=24",
      "--n=8",
      "--B=1",
      "--H=1",
      "--D=8",
      "--dtype=f32",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout + r.stderr;
    for (const group of ["decoupled T=24", "varlen n=8"]) assert.match(text, new RegExp(group));
    const names = [
      "naive_dla_fwd",
      "flash_dla_fwd",
      "naive_dla_bwd",
      "flash_dla_bwd",
      "flash_padded_fwd",
      "varlen_fwd",
      "flash_padded_fwdbwd",
      "varlen_fwdbwd",
    ];
    for (const name of names) assert.match(text, new RegExp(`\\| ${name} `), name);
  },
});
