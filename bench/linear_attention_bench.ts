/**
 * `deno bench -A bench/linear_attention_bench.ts`: the headline table — naive linear attention
 * (unfused generic ops), fused linear attention and flash-style SDPA, forward and forward +
 * backward (`_bwd`), one group per T.
 *
 * An await on the GPU costs ≈ 11 ms in Deno, so a bench iteration records one launch, and
 * only every N-th iteration submits and awaits the queue: Deno's `time/iter (avg)` is the
 * time per launch with one await amortised over N launches (min, max and p75 are not
 * meaningful: most iterations only record). N is chosen per op and T from a GPU-timestamp
 * calibration so that the await is under 5 % of a batch (fewer where the launches' temporaries
 * would not fit in memory); the table printed first gives N and the timestamp medians.
 * `--check` also times host batches the same way and fails if one differs from its timestamp
 * median by more than 10 %.
 *
 * Knobs (flags after `--`, or environment variables): `--B` / `BENCH_B`, `--H` / `BENCH_H`,
 * `--D` / `BENCH_D`, `--T 1024,4096` / `BENCH_T`, `--dtype f16|f32` / `BENCH_DTYPE`,
 * `--check` / `BENCH_CHECK=1`.
 * @module
 */
import { parseArgs } from "node:util";
import { type DType, flush, requestDevice } from "../ops/_runtime/mod.ts";
import { BENCH_OPS, makeInputs, type Shape, TABLE_OPS } from "./ops.ts";
import {
  adapterName,
  gpuTime,
  hostTimePerLaunch,
  isCpuAdapter,
  launchesPerAwait,
} from "./measure.ts";

const env = (name: string) => Deno.env.get(name);
const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    B: { type: "string", default: env("BENCH_B") },
    H: { type: "string", default: env("BENCH_H") },
    D: { type: "string", default: env("BENCH_D") },
    T: { type: "string", default: env("BENCH_T") },
    dtype: { type: "string", default: env("BENCH_DTYPE") },
    check: { type: "boolean", default: env("BENCH_CHECK") === "1" },
  },
});

const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
if (!adapter) throw new Error("no WebGPU adapter");
const cpu = isCpuAdapter(adapter.info);
const device = await requestDevice();
const int = (s: string | undefined, fallback: number) => (s ? Number.parseInt(s, 10) : fallback);
const base = { B: int(flags.B, cpu ? 1 : 8), H: int(flags.H, cpu ? 2 : 16), D: int(flags.D, 64) };
const tList = flags.T
  ? flags.T.split(",").map(Number)
  : cpu
  ? [128, 256]
  : [1024, 4096, 16384, 32768];
const dtype = (flags.dtype ?? (device.features.has("shader-f16") ? "f16" : "f32")) as DType;
/** Bytes that queued launches may hold at once (each launch's temporaries live until done). */
/** Timed batches of n launches per bench. */
const BATCHES = cpu ? 2 : 5;
const QUEUE_BUDGET = cpu ? 2 ** 30 : 24 * 2 ** 30;

console.error(
  `flash-bla bench on ${adapterName(adapter.info)}: B${base.B}-H${base.H}-D${base.D} ${dtype}, ` +
    `T ∈ {${tList.join(", ")}}`,
);
console.error("per launch (ms): GPU timestamp median | host batch / N | N launches per await");
let worst = 0;
for (const T of tList) {
  const s: Shape = { ...base, T };
  const tensorBytes = s.B * s.H * s.T * s.D * (dtype === "f16" ? 2 : 4);
  const inputs = makeInputs(device, s, dtype, "BHTD"); // lives until the benches have run
  for (const op of BENCH_OPS.filter((o) => TABLE_OPS.includes(o.name))) {
    const runner = op.setup(inputs);
    for (const withBwd of [false, true]) {
      const work = withBwd ? runner.fwdBwd : runner.fwd;
      const name = `${op.column}_${withBwd ? "bwd" : "fwd"}`;
      const first = (await gpuTime(device, work, 1)).p50; // compiles, sizes the calibration
      const gpu = first > 1000 ? first : (await gpuTime(device, work, 3, 1)).p50;
      const memoryCap = Math.max(1, Math.floor(QUEUE_BUDGET / (16 * tensorBytes)));
      const n = Math.min(launchesPerAwait(gpu), memoryCap);
      let line = `T=${T} ${name.padEnd(14)} ${gpu.toFixed(3).padStart(10)} |`;
      if (flags.check) {
        const host = await hostTimePerLaunch(device, work, n);
        const diff = Math.abs(host / gpu - 1);
        worst = Math.max(worst, diff);
        line += ` ${host.toFixed(3).padStart(10)} (${(100 * diff).toFixed(1)} %)`;
      } else line += "          -";
      console.error(`${line} | ${n}`);
      // One iteration = one launch; every n-th iteration awaits the queue, so Deno's average
      // is the time per launch with the await amortised (its min/max/p75 are not meaningful).
      let calls = 0;
      Deno.bench({
        name,
        group: `T=${T}`,
        warmup: n,
        n: n * (gpu > 1000 ? 2 : BATCHES), // launches of seconds (SDPA at T = 32768): 2
        async fn() {
          work();
          if (++calls % n === 0) {
            flush(device);
            await device.queue.onSubmittedWorkDone();
          }
        },
      });
    }
  }
}
if (flags.check && worst > 0.1) {
  throw new Error(`host batches disagree with GPU timestamps by ${(100 * worst).toFixed(1)} %`);
}
