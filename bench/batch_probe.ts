/**
 * `deno run -A --no-lock bench/batch_probe.ts --op naive_linear_attention --T 1024,4096`: the
 * `--check` columns of bench/linear_attention_bench.ts for one op's forward + backward, without
 * the benches (B8-H16-D64 on a GPU, B1-H2-D64 on a CPU adapter; f16 where the adapter has it).
 * Per launch, in ms: the GPU median of 3 launches back to back, the GPU time of a batch of N
 * launches as one timestamped window, and the host batch (N launches, one await) — a gap
 * between the first and the last splits into GPU work that runs slower inside a batch (second
 * column) and host or submit time (the rest).
 * @module
 */
import { parseArgs } from "node:util";
import { BENCH_OPS, makeInputs } from "./ops.ts";
import {
  BENCH_COLUMNS,
  benchDevice,
  benchRow,
  calibrate,
  checkBatch,
  isCpuAdapter,
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
console.log(`${op.name} forward + backward, ${BENCH_COLUMNS}`);
for (const T of values.T.split(",").map(Number)) {
  const s = { B: cpu ? 1 : 8, H: cpu ? 2 : 16, T, D: 64 };
  using inputs = makeInputs(device, s, dtype, "BHTD");
  using runner = op.setup(inputs);
  const { gpu, n } = await calibrate(device, runner.fwdBwd);
  console.log(benchRow(`T=${T}`, gpu, n, await checkBatch(device, runner.fwdBwd, n)));
}
