import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import { parseProfileArgs } from "../../bench/profile.ts";
import { BENCH_OPS, makeInputs, TABLE_OPS } from "../../bench/ops.ts";
import { gpuTime, hostTimePerLaunch, isCpuAdapter, launchesPerAwait } from "../../bench/measure.ts";

const profile = new URL("../../bench/profile.ts", import.meta.url).pathname;

async function runProfile(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", profile, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("profile args: defaults, lists and validation", () => {
  const d = parseProfileArgs([]);
  assert.deepEqual(d.ops, TABLE_OPS);
  assert.deepEqual(d.modes, ["fwd", "fwdbwd"]);
  assert.equal(d.D, 64);
  assert.equal(d.layout, "BHTD");
  assert.equal(d.T, undefined); // chosen from the adapter
  const o = parseProfileArgs([
    "--ops=sdpa,linear_attention",
    "--T",
    "64,100",
    "--B",
    "2",
    "--dtype",
    "f32",
    "--mode",
    "fwd",
    "--layout",
    "BTHD",
    "--json",
    "--no-ceilings",
  ]);
  assert.deepEqual(o.ops, ["sdpa", "linear_attention"]);
  assert.deepEqual(o.T, [64, 100]);
  assert.deepEqual([o.B, o.dtypes, o.modes, o.layout, o.json, o.ceilings], [
    2,
    ["f32"],
    ["fwd"],
    "BTHD",
    true,
    false,
  ]);
  assert.throws(() => parseProfileArgs(["--ops", "flash"]), /--ops: unknown value "flash"/);
  assert.throws(() => parseProfileArgs(["--T", "0"]), /--T: expected a positive integer/);
  assert.throws(() => parseProfileArgs(["--D", "300"]), /--D: at most 256/);
  assert.throws(() => parseProfileArgs(["--dtype", "f64"]), /--dtype/);
  assert.throws(() => parseProfileArgs(["--frobnicate"]));
  assert.throws(() => parseProfileArgs(["extra"]));
});

Deno.test("profile CLI: bad arguments print the usage and exit with code 2", async () => {
  for (const args of [["--bogus"], ["--T", "abc"], ["--mode", "backward"], ["stray"]]) {
    const r = await runProfile(args);
    assert.equal(r.code, 2, `args ${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /Usage: deno task profile/);
  }
  const help = await runProfile(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--reps N/);
});

Deno.test({
  name: "profile CLI: --json reports every case with its counts",
  ignore: noGpu,
  fn: async () => {
    const r = await runProfile([
      "--ops=linear_attention,sdpa",
      "--B=1",
      "--H=2",
      "--T=33",
      "--D=16",
      "--dtype=f32",
      "--reps=2",
      "--no-ceilings",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[4\/4\] sdpa fwdbwd f32 T=33/); // progress goes to stderr
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.rows.length, 4);
    const la = doc.rows.find((x: { op: string; mode: string }) =>
      x.op === "linear_attention" && x.mode === "fwd"
    );
    assert.equal(la.flops, 4 * 1 * 2 * 33 * 16 * 16);
    assert.equal(la.bytes, 4 * 1 * 2 * 33 * 16 * 4);
    const sd = doc.rows.find((x: { op: string; mode: string }) =>
      x.op === "sdpa" && x.mode === "fwdbwd"
    );
    assert.equal(sd.flops, 14 * 2 * 33 * 33 * 16);
    for (const row of doc.rows) {
      assert.ok(row.time.p20 <= row.time.p50 && row.time.p50 <= row.time.p80);
      assert.ok(
        row.time.p50 > 0 && Math.abs(row.tflops - row.flops / (row.time.p50 * 1e9)) < 1e-12,
      );
    }
  },
});

Deno.test({
  name: "bench method: batched host time per launch agrees with GPU timestamps (10 % on a GPU)",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    // A launch long enough that recording on the CPU adapter is negligible beside it.
    const s = { B: 1, H: 2, T: 200, D: 64 };
    using inputs = makeInputs(device, s, "f32", "BHTD");
    const sdpa = BENCH_OPS.find((o) => o.name === "sdpa")!.setup(inputs);
    sdpa.fwd(); // compile
    const gpu: number[] = [], host: number[] = [];
    // 3× the bench's N: the fixed cost of a batch (one await, the first launch's start) ≈ 1.7 %.
    const n = 3 * launchesPerAwait((await gpuTime(device, sdpa.fwd, 1)).p50);
    for (let round = 0; round < 5; round++) { // interleaved, so machine load hits both alike
      gpu.push((await gpuTime(device, sdpa.fwd, n, 1)).p50);
      host.push(await hostTimePerLaunch(device, sdpa.fwd, n));
    }
    // Best of the rounds: other processes on the CPU adapter's 2 cores only ever add time.
    const g = Math.min(...gpu), h = Math.min(...host);
    // On a CPU adapter the same 2 cores record, translate and execute, and host time exceeds
    // the timestamps by 10–25 % (measured on lavapipe); a real GPU overlaps them: 10 %.
    const cpu = isCpuAdapter((await navigator.gpu.requestAdapter())!.info);
    const tolerance = cpu ? 0.3 : 0.1;
    assert.ok(
      Math.abs(h / g - 1) <= tolerance,
      `host ${h.toFixed(2)} ms vs GPU ${g.toFixed(2)} ms per launch (N = ${n})`,
    );
  },
});
