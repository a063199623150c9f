/**
 * Measuring helpers shared by the bench, the profiler and their tests: GPU timestamps
 * (`timeGpu`, in chunks that bound the memory queued work holds), batched host timing (many
 * launches per await, so the ≈ 11 ms an await costs in Deno is amortised), the adapter, and
 * the flags and batched `Deno.bench` registration the bench files share.
 * @module
 */
import { parseArgs } from "node:util";
import { type DType, flush, quantiles, requestDevice, timeGpu } from "../ops/_runtime/mod.ts";
import { type BenchOp, makeInputs, type Shape } from "./ops.ts";

/** Whether the adapter runs on the CPU (lavapipe, llvmpipe, SwiftShader, WARP). */
export function isCpuAdapter(info: GPUAdapterInfo): boolean {
  const i = info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return i.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|warp|software/i.test(`${i.description} ${i.device}`);
}

/** A short name of the adapter, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`. */
export function adapterName(info: GPUAdapterInfo): string {
  return info.description ||
    [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") ||
    "unknown adapter";
}

/** Median, p20 and p80 of GPU times in ms. */
export interface GpuTime {
  p20: number;
  p50: number;
  p80: number;
}

/**
 * GPU time of `work` (ms), from `samples` timestamped windows. Windows are resolved in chunks
 * of `perAwait` (work recorded in one chunk stays allocated until its submit).
 */
export async function gpuTime(
  device: GPUDevice,
  work: () => void,
  samples: number,
  perAwait = samples,
): Promise<GpuTime> {
  const times: number[] = [];
  while (times.length < samples) {
    times.push(...await timeGpu(device, work, Math.min(perAwait, samples - times.length)));
  }
  return quantiles(times);
}

/** The launches per await that keep one await (≈ 11 ms) under 5 % of the batch. */
export function launchesPerAwait(msPerLaunch: number, awaitMs = 11): number {
  return Math.max(1, Math.ceil(awaitMs / (0.05 * Math.max(msPerLaunch, 1e-4))));
}

/**
 * Records `n` launches of `work` (the recorder submits on its own every few hundred
 * dispatches), submits the rest and awaits the queue once.
 */
export async function runBatch(device: GPUDevice, work: () => void, n: number): Promise<void> {
  for (let i = 0; i < n; i++) work();
  flush(device);
  await device.queue.onSubmittedWorkDone();
}

/** Host wall time per launch (ms) of `n` launches with a single await: the bench's method. */
export async function hostTimePerLaunch(
  device: GPUDevice,
  work: () => void,
  n: number,
): Promise<number> {
  await runBatch(device, work, 1); // drain and warm
  const t0 = performance.now();
  await runBatch(device, work, n);
  return (performance.now() - t0) / n;
}

/**
 * The flags of the `deno bench` files (after `--`, or environment variables); every bench
 * file takes them all, since `deno task bench` passes the same arguments to each.
 */
export interface BenchFlags {
  /** `--B` / `BENCH_B`: batch. */
  B?: number;
  /** `--H` / `BENCH_H`: heads. */
  H?: number;
  /** `--D` / `BENCH_D`: head dimension. */
  D?: number;
  /** `--T 1024,4096` / `BENCH_T`: sequence lengths. */
  T?: number[];
  /** `--n 256,1024` / `BENCH_N`: per-sequence lengths of the varlen group. */
  n?: number[];
  /** `--dtype f16|f32` / `BENCH_DTYPE`. */
  dtype?: DType;
  /** `--check` / `BENCH_CHECK=1`: compare host batches with GPU timestamps. */
  check: boolean;
}

/** Parses {@linkcode BenchFlags} from `args` and the environment. */
export function parseBenchFlags(args: string[]): BenchFlags {
  const env = (name: string) => Deno.env.get(name);
  const { values } = parseArgs({
    args,
    options: {
      B: { type: "string", default: env("BENCH_B") },
      H: { type: "string", default: env("BENCH_H") },
      D: { type: "string", default: env("BENCH_D") },
      T: { type: "string", default: env("BENCH_T") },
      n: { type: "string", default: env("BENCH_N") },
      dtype: { type: "string", default: env("BENCH_DTYPE") },
      check: { type: "boolean", default: env("BENCH_CHECK") === "1" },
    },
  });
  const int = (s: string | undefined) => (s ? Number.parseInt(s, 10) : undefined);
  const ints = (s: string | undefined) => s?.split(",").map(Number);
  if (values.dtype !== undefined && values.dtype !== "f16" && values.dtype !== "f32") {
    throw new RangeError(`--dtype: f16 or f32, got "${values.dtype}"`);
  }
  return {
    B: int(values.B),
    H: int(values.H),
    D: int(values.D),
    T: ints(values.T),
    n: ints(values.n),
    dtype: values.dtype as DType | undefined,
    check: values.check,
  };
}

/** What a bench file runs on: the device, whether it is a CPU adapter, the dtype. */
export interface BenchEnv {
  device: GPUDevice;
  cpu: boolean;
  adapter: string;
  dtype: DType;
  flags: BenchFlags;
  /** Largest relative host-vs-timestamp difference seen by `--check` so far. */
  worst: number;
}

/** Opens the device for a bench file and parses its flags (`Deno.args`). */
export async function openBench(): Promise<BenchEnv> {
  const flags = parseBenchFlags(Deno.args);
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("no WebGPU adapter");
  const device = await requestDevice();
  const dtype = flags.dtype ?? (device.features.has("shader-f16") ? "f16" : "f32");
  const cpu = isCpuAdapter(adapter.info);
  return { device, cpu, adapter: adapterName(adapter.info), dtype, flags, worst: 0 };
}

/**
 * Registers one `Deno.bench` per op and mode (forward first for every op, then forward +
 * backward: `<column>_fwd`, `<column>_<bwdSuffix>`) at shape `s`, in group `group`.
 *
 * An await on the GPU costs ≈ 11 ms in Deno, so an iteration records one launch and only
 * every N-th iteration submits and awaits the queue: Deno's `time/iter (avg)` is the time per
 * launch with one await amortised over N launches (its min, max and p75 are not meaningful:
 * most iterations only record). N comes from a GPU-timestamp calibration so that the await is
 * under 5 % of a batch (fewer where the launches' temporaries would not fit in memory); one
 * line per case on stderr gives N and the timestamp median. With `--check` a host batch is
 * also timed the same way and its difference to the median recorded in `env.worst`. The
 * inputs live until the process ends (the benches run after registration).
 */
export async function benchOps(
  env: BenchEnv,
  group: string,
  s: Shape,
  ops: readonly BenchOp[],
  bwdSuffix = "bwd",
): Promise<void> {
  const { device, cpu, dtype } = env;
  const batches = cpu ? 2 : 5; // timed batches of N launches per bench
  const queueBudget = cpu ? 2 ** 30 : 24 * 2 ** 30; // bytes queued launches may hold at once
  const tensorBytes = s.B * s.H * s.T * s.D * (dtype === "f16" ? 2 : 4);
  const inputs = makeInputs(device, s, dtype, "BHTD");
  const runners = ops.map((op) => op.setup(inputs));
  for (const withBwd of [false, true]) {
    for (const [i, op] of ops.entries()) {
      const work = withBwd ? runners[i].fwdBwd : runners[i].fwd;
      const name = `${op.column}_${withBwd ? bwdSuffix : "fwd"}`;
      const first = (await gpuTime(device, work, 1)).p50; // compiles, sizes the calibration
      const gpu = first > 1000 ? first : (await gpuTime(device, work, 3, 1)).p50;
      const memoryCap = Math.max(1, Math.floor(queueBudget / (16 * tensorBytes)));
      const n = Math.min(launchesPerAwait(gpu), memoryCap);
      let line = `${group} ${name.padEnd(20)} ${gpu.toFixed(3).padStart(10)} |`;
      if (env.flags.check) {
        const host = await hostTimePerLaunch(device, work, n);
        const diff = Math.abs(host / gpu - 1);
        env.worst = Math.max(env.worst, diff);
        line += ` ${host.toFixed(3).padStart(10)} (${(100 * diff).toFixed(1)} %)`;
      } else line += "          -";
      console.error(`${line} | ${n}`);
      let calls = 0;
      Deno.bench({
        name,
        group,
        warmup: n,
        n: n * (gpu > 1000 ? 2 : batches), // launches of seconds (SDPA at T = 32768): 2
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

/** Throws when `--check` saw a host batch more than 10 % off its timestamp median. */
export function assertBenchAgreement(env: BenchEnv): void {
  if (env.flags.check && env.worst > 0.1) {
    throw new Error(
      `host batches disagree with GPU timestamps by ${(100 * env.worst).toFixed(1)} %`,
    );
  }
}
