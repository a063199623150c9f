/**
 * `deno bench -A bench/extra_bench.ts`: the original's two other benchmarks.
 *
 * - Decoupled linear attention (`benchmark_decoupled_la`): the naive composition of generic
 *   ops vs the fused `decoupledLinearAttention`, forward and forward + backward (`_bwd`), one
 *   group per T at B-H-D as in the headline table (B8-H16-D64 on a GPU); qRope, kRope are
 *   independent positive features.
 * - Variable-length (`benchmark_varlen_linear_attn`, "varlen-equal-B8-H16-D64"): 8 sequences
 *   of n tokens each; `flash_padded` is `linearAttention` on `[8, H, n, D]`, `varlen` is
 *   `varlenLinearAttention` on the same values packed as `[8·n, H, D]`; forward and forward +
 *   backward (`_fwdbwd`), one group per n ∈ {256, 1024, 4096} on a GPU.
 *
 * Launches are batched per await exactly like bench/linear_attention_bench.ts (`benchOps` in
 * bench/measure.ts): Deno's `time/iter (avg)` is the time per launch. Same flags as that file
 * (`--B`, `--H`, `--D`, `--T`, `--dtype`, `--check`), plus `--n 256,1024` / `BENCH_N` for the
 * varlen lengths; on a CPU adapter the sizes are small (about a minute in all).
 * @module
 */
import { BENCH_OPS } from "./ops.ts";
import { assertBenchAgreement, BENCH_COLUMNS, benchOps, openBench } from "./measure.ts";

const env = await openBench();
const { cpu, flags } = env;
const base = { B: flags.B ?? (cpu ? 1 : 8), H: flags.H ?? (cpu ? 2 : 16), D: flags.D ?? 64 };
const tList = flags.T ?? (cpu ? [128, 256] : [1024, 4096, 16384, 32768]);
const nList = flags.n ?? (cpu ? [32, 128] : [256, 1024, 4096]);
const SEQUENCES = 8;
const opsNamed = (...names: string[]) => names.map((n) => BENCH_OPS.find((o) => o.name === n)!);

console.error(
  `flash-bla extra bench on ${env.adapter}, ${env.dtype}: decoupled B${base.B}-H${base.H}-` +
    `D${base.D}, T ∈ {${tList.join(", ")}}; varlen ${SEQUENCES} sequences, H${base.H}-` +
    `D${base.D}, n ∈ {${nList.join(", ")}}`,
);
console.error(BENCH_COLUMNS);
const decoupled = opsNamed("naive_decoupled_la", "decoupled_la");
for (const T of tList) await benchOps(env, `decoupled T=${T}`, { ...base, T }, decoupled);
const varlen = opsNamed("padded_la", "varlen_la");
for (const n of nList) {
  await benchOps(env, `varlen n=${n}`, { ...base, B: SEQUENCES, T: n }, varlen, "fwdbwd");
}
assertBenchAgreement(env);
