/**
 * `deno run -A --no-lock bench/batch_probe.ts --op naive_linear_attention --T 1024,4096`:
 * where a bench batch's time goes, for the `--check` of bench/linear_attention_bench.ts. Per
 * forward + backward launch (B8-H16-D64 f16 on a GPU), in ms: the bench's GPU figure (median of
 * 3 timestamped launches back to back), the GPU time of a whole batch of N launches timed as
 * one timestamped window, and the host batch (N launches, one await) — so a gap between the
 * first and the last is split into GPU work that runs slower inside a batch (second column)
 * and host or submit time (the rest).
 * @module
 */
import { parseArgs } from "node:util";
import { flush, timeGpu } from "../ops/_runtime/mod.ts";
import { BENCH_OPS, makeInputs } from "./ops.ts";
import {
  benchDevice,
  gpuTime,
  hostTimePerLaunch,
  isCpuAdapter,
  launchesPerAwait,
} from "./measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    op: { type: "string", default: "naive_linear_attention" },
    T: { type: "string", default: "1024,4096" },
  },
});
const op = BENCH_OPS.find((o) => o.name === values.op);
if (!op) {
  console.error(`--op: one of ${BENCH_OPS.map((o) => o.name).join(", ")}`);
  Deno.exit(2);
}
const adapter = (await navigator.gpu.requestAdapter())!;
const cpu = isCpuAdapter(adapter.info);
const device = await benchDevice(cpu);
const dtype = device.features.has("shader-f16") ? "f16" : "f32";
console.log(
  `${op.name} fwd+bwd, ms per launch: GPU 3 back to back | GPU batch window | host batch`,
);
for (const T of values.T.split(",").map(Number)) {
  const s = { B: cpu ? 1 : 8, H: cpu ? 2 : 16, T, D: 64 };
  using inputs = makeInputs(device, s, dtype, "BHTD");
  using runner = op.setup(inputs);
  const work = runner.fwdBwd;
  await gpuTime(device, work, 1); // compile
  const sample = (await gpuTime(device, work, 3)).p50;
  const n = launchesPerAwait(sample);
  const [window] = await timeGpu(device, () => {
    for (let i = 0; i < n; i++) work();
  }, 1);
  const host = await hostTimePerLaunch(device, work, n);
  flush(device);
  console.log(
    `T=${T} N=${n}: ${sample.toFixed(3)} | ${(window / n).toFixed(3)} | ${host.toFixed(3)}`,
  );
}
