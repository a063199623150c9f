/**
 * `deno bench -A bench/linear_attention_bench.ts`: the headline table — naive linear attention
 * (unfused generic ops), fused linear attention and flash-style SDPA, forward and forward +
 * backward (`_bwd`), one group per T.
 *
 * Launches are batched per await (`benchOps` in bench/measure.ts says how): Deno's
 * `time/iter (avg)` is the time per launch; the table printed first gives N (launches per
 * await) and the GPU-timestamp medians. `--check` also times a batch of N launches on the GPU
 * (one timestamped window) and on the host (one await), prints both beside the median, and
 * fails if the host differs from its batch's GPU time by more than 10 %.
 *
 * Knobs (flags after `--`, or environment variables): `--B` / `BENCH_B`, `--H` / `BENCH_H`,
 * `--D` / `BENCH_D`, `--T 1024,4096` / `BENCH_T`, `--dtype f16|f32` / `BENCH_DTYPE`,
 * `--check` / `BENCH_CHECK=1` (`--n` / `BENCH_N` is bench/extra_bench.ts's).
 * @module
 */
import { BENCH_OPS, TABLE_OPS } from "./ops.ts";
import { assertBenchAgreement, BENCH_COLUMNS, benchOps, openBench } from "./measure.ts";

const env = await openBench();
const { cpu, flags } = env;
const base = { B: flags.B ?? (cpu ? 1 : 8), H: flags.H ?? (cpu ? 2 : 16), D: flags.D ?? 64 };
const tList = flags.T ?? (cpu ? [128, 256] : [1024, 4096, 16384, 32768]);

console.error(
  `flash-bla bench on ${env.adapter}: B${base.B}-H${base.H}-D${base.D} ${env.dtype}, ` +
    `T ∈ {${tList.join(", ")}}`,
);
console.error(BENCH_COLUMNS);
const ops = BENCH_OPS.filter((o) => TABLE_OPS.includes(o.name));
for (const T of tList) await benchOps(env, `T=${T}`, { ...base, T }, ops);
assertBenchAgreement(env);
