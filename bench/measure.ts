/**
 * Measuring helpers shared by the bench, the profiler, the tile sweeps and their tests: GPU
 * timestamps (`gpuTime`: samples back to back in one submit, in chunks that bound the memory
 * queued work holds, after untimed warm-up launches), batched host timing (many launches per
 * await, so the ≈ 11 ms an await costs in Deno is amortised) and the GPU window of the same
 * batch that `--check` compares it with, the adapter, and the flags and batched `Deno.bench`
 * registration the bench files share.
 *
 * Why back to back: a GPU left idle for the ≈ 11 ms of an await lowers its clock, so a short
 * kernel timed one sample per submit reads slow (linear attention at T = 1024 on an H100:
 * 0.62 ms one per submit, 0.31 ms back to back). The original's `triton.testing.do_bench`
 * also times back-to-back launches after a 25 ms warm-up.
 * @module
 */
import { parseArgs } from "node:util";
import { adapterName, isCpuAdapter } from "./adapter.ts";
import {
  isUsageError,
  oneOf,
  positiveInt,
  positiveInts,
  printUsageError,
  wantsHelp,
} from "./cli.ts";
import {
  type DType,
  flush,
  quantiles,
  requestDevice,
  setPoolCapacity,
  timeGpu,
} from "../ops/_runtime/mod.ts";
import { type BenchOp, makeInputs, type Shape } from "./ops.ts";

/** Re-exported for the bench files and sweeps that import them from here. */
export { adapterName, isCpuAdapter };

/** Median, p20 and p80 of GPU times in ms. */
export interface GpuTime {
  p20: number;
  p50: number;
  p80: number;
}

/**
 * GPU time of `work` (ms), from `samples` timestamped windows. Windows are recorded back to
 * back and resolved in chunks of `perSubmit` (one submit and one await each: work recorded in
 * a chunk stays allocated until its submit); `warmup` untimed launches precede each chunk in
 * the same submit, so the GPU is busy and at full clock when the timed windows start.
 */
export async function gpuTime(
  device: GPUDevice,
  work: () => void,
  samples: number,
  perSubmit = samples,
  warmup = 0,
): Promise<GpuTime> {
  return (await gpuTimes(device, [work], samples, perSubmit, warmup))[0];
}

/**
 * {@linkcode gpuTime} of several works interleaved: each sample times `works[0]`, then
 * `works[1]`, … back to back in the same submit, so every work meets the same GPU state (the
 * profiler's clock probe runs between a case's samples this way). `perSubmit` counts samples
 * of each work; the warm-up launches `works[0]`. One result per work, in order.
 */
export async function gpuTimes(
  device: GPUDevice,
  works: readonly (() => void)[],
  samples: number,
  perSubmit = samples,
  warmup = 0,
): Promise<GpuTime[]> {
  const times = works.map((): number[] => []);
  while (times[0].length < samples) {
    for (let i = 0; i < warmup; i++) works[0]();
    const n = Math.min(perSubmit, samples - times[0].length);
    let next = 0;
    const windows = await timeGpu(device, () => works[next++ % works.length](), n * works.length);
    windows.forEach((t, i) => times[i % works.length].push(t));
  }
  return times.map(quantiles);
}

/** The untimed warm-up before each chunk of samples, ms (`do_bench`'s default). */
export const WARMUP_MS = 25;

/**
 * Bytes the launches queued in one submit may hold at once: 1 GiB on a CPU adapter, 24 GiB on
 * a GPU (an H100 has 80). Also the buffer pool's capacity in the bench and the profiler
 * ({@linkcode benchDevice}).
 */
export function queueBudget(cpu: boolean): number {
  return cpu ? 2 ** 30 : 24 * 2 ** 30;
}

/**
 * Launches that fit in {@linkcode queueBudget} when each holds up to 16 tensors of
 * `tensorBytes` (outputs, gradients and temporaries of a forward + backward); at least 1.
 */
export function launchesInBudget(tensorBytes: number, cpu: boolean): number {
  return Math.max(1, Math.floor(queueBudget(cpu) / (16 * tensorBytes)));
}

/**
 * How {@linkcode gpuTime} times `samples` samples of a launch of ≈ `launchMs` back to back
 * when `cap` launches fit in one submit: `warmup` untimed launches (≈ {@linkcode WARMUP_MS},
 * at most 1000 and half the cap) then `perSubmit` timed samples per submit. `cap` = 1 gives one
 * sample per submit, no warm-up.
 */
export function backToBack(
  launchMs: number,
  samples: number,
  cap: number,
): { perSubmit: number; warmup: number } {
  const wanted = Math.ceil(WARMUP_MS / Math.max(launchMs, 1e-3));
  const warmup = Math.min(wanted, 1000, Math.floor(cap / 2));
  return { perSubmit: Math.max(1, Math.min(samples, cap - warmup)), warmup };
}

/** The launches per await that keep one await (≈ 11 ms) under 5 % of the batch. */
export function launchesPerAwait(msPerLaunch: number, awaitMs = 11): number {
  return Math.max(1, Math.ceil(awaitMs / (0.05 * Math.max(msPerLaunch, 1e-4))));
}

/**
 * Keeps the GPU busy with `work` (≈ `launchMs` each) for about `ms` of wall time, in batches of
 * ≈ 20 ms (at most `cap` launches) with one await each: after seconds of host-side pipeline
 * compiles the H200 reads 1.5–5× slow for longer than `gpuTime`'s 25 ms warm-up (bench/NOTES.md,
 * session 3), so the sweeps run this first.
 */
export async function keepBusy(
  device: GPUDevice,
  work: () => void,
  launchMs: number,
  cap: number,
  ms = 200,
): Promise<void> {
  const perBatch = Math.max(1, Math.min(cap, Math.ceil(20 / Math.max(launchMs, 1e-3))));
  const t0 = performance.now();
  while (performance.now() - t0 < ms) await runBatch(device, work, perBatch);
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
 * GPU time per launch (ms) of `n` launches of `work` recorded inside one timestamped window:
 * the GPU side of a host batch ({@linkcode hostTimePerLaunch}). The window is one compute pass
 * (the recorder does not submit inside a timed window), so the host batch's submits every few
 * dozen dispatches count on the host side.
 */
export async function batchGpuTimePerLaunch(
  device: GPUDevice,
  work: () => void,
  n: number,
): Promise<number> {
  const [window] = await timeGpu(device, () => {
    for (let i = 0; i < n; i++) work();
  }, 1);
  return window / n;
}

/**
 * A launch's GPU time (ms) and the launches per await N that the bench batches it by: the
 * median of 3 timestamped launches back to back, after a first one that compiles (a launch
 * of seconds is timed once).
 */
export async function calibrate(
  device: GPUDevice,
  work: () => void,
): Promise<{ gpu: number; n: number }> {
  const first = (await gpuTime(device, work, 1)).p50;
  const gpu = first > 1000 ? first : (await gpuTime(device, work, 3)).p50;
  return { gpu, n: launchesPerAwait(gpu) };
}

/** What `--check` measures for a batch of N launches, ms per launch. */
export interface BatchCheck {
  /** GPU time of the whole batch as one timestamped window ({@linkcode batchGpuTimePerLaunch}). */
  window: number;
  /** Host wall time of the batch, one await ({@linkcode hostTimePerLaunch}). */
  host: number;
  /** The host's relative difference to the window, `|host / window − 1|`. */
  diff: number;
}

/**
 * Times a batch of `n` launches of `work` twice, on the GPU as one timestamped window and on
 * the host (one await): the check compares the host with the GPU time of the same batch, not
 * with the 3-launch median of {@linkcode calibrate}, since the GPU can run an op slower inside
 * a long batch (naive linear attention forward + backward on the H200: 9486 vs 8502 µs per
 * launch at T = 4096, bench/NOTES.md).
 */
export async function checkBatch(
  device: GPUDevice,
  work: () => void,
  n: number,
): Promise<BatchCheck> {
  const window = await batchGpuTimePerLaunch(device, work, n);
  const host = await hostTimePerLaunch(device, work, n);
  return { window, host, diff: Math.abs(host / window - 1) };
}

/** The columns of the bench's per-case lines on stderr ({@linkcode benchRow}). */
export const BENCH_COLUMNS = "per launch (ms): GPU median of 3 back to back | " +
  "GPU batch window / N | host batch / N (vs window) | N launches per await";

/**
 * One line of the bench's table ({@linkcode BENCH_COLUMNS}) after `label`: the calibration's
 * GPU median `gpu`, then, with `--check`, the batch window and the host batch with their
 * difference (`-` without), then `n`.
 */
export function benchRow(label: string, gpu: number, n: number, check?: BatchCheck): string {
  const ms = (t: number) => t.toFixed(3).padStart(10);
  const measured = check
    ? `${ms(check.window)} | ${ms(check.host)} (${(100 * check.diff).toFixed(1)} %)`
    : `${"-".padStart(10)} | ${"-".padStart(10)}`;
  return `${label} ${ms(gpu)} | ${measured} | ${n}`;
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

/** The usage text of the bench files (`deno task bench --help`). */
export const BENCH_USAGE =
  `Usage: deno task bench [-- flags]   (or the BENCH_* environment variables)

  --B N / BENCH_B          batch (default 8; 1 on a CPU adapter)
  --H N / BENCH_H          heads (default 16; 2 on a CPU adapter)
  --D N / BENCH_D          head dimension (default 64)
  --T LIST / BENCH_T       sequence lengths, comma-separated (default by adapter)
  --n LIST / BENCH_N       per-sequence lengths of the varlen group
  --dtype D / BENCH_DTYPE  f16 or f32 (default f16 where the adapter has shader-f16)
  --check / BENCH_CHECK=1  compare the host-timed batches with GPU timestamps
  -h, --help               this text
`;

/** Parses {@linkcode BenchFlags} from `args` and the environment; a `UsageError` names the flag. */
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
  const flag = (name: string) => `--${name} / BENCH_${name.toUpperCase()}`;
  const int = (name: "B" | "H" | "D") => {
    const value = values[name];
    return value === undefined ? undefined : positiveInt(value, flag(name));
  };
  const ints = (name: "T" | "n") => {
    const value = values[name];
    return value === undefined ? undefined : positiveInts(value, flag(name));
  };
  return {
    B: int("B"),
    H: int("H"),
    D: int("D"),
    T: ints("T"),
    n: ints("n"),
    dtype: values.dtype === undefined
      ? undefined
      : oneOf<DType>(values.dtype, ["f16", "f32"], flag("dtype")),
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
  /** Largest host-vs-batch-window difference ({@linkcode BatchCheck}) seen by `--check`. */
  worst: number;
}

/**
 * {@linkcode parseBenchFlags}, as a command line: `--help` prints the usage and exits 0, a bad
 * flag prints one error line and a hint and exits 2 (before `deno bench` runs anything).
 */
function benchFlagsOrExit(args: string[]): BenchFlags {
  // The task ends in `--`, so `deno task bench -- --T 64` arrives as `-- --T 64`.
  if (args[0] === "--") args = args.slice(1);
  if (wantsHelp(args)) {
    console.log(BENCH_USAGE);
    Deno.exit(0);
  }
  try {
    return parseBenchFlags(args);
  } catch (e) {
    if (!isUsageError(e)) throw e;
    printUsageError(e, "deno task bench");
    Deno.exit(2);
  }
}

/**
 * A device for timing: its buffer pool keeps up to {@linkcode queueBudget} bytes, so that every
 * launch reuses what the previous one freed. (A naive linear-attention forward + backward frees
 * ≈ 12 input-sized buffers, 3 GiB at B8-H16-T16384-D64 f16: above the library's 2 GiB default,
 * the pool would destroy and re-create buffers every launch.)
 */
export async function benchDevice(cpu: boolean): Promise<GPUDevice> {
  const device = await requestDevice();
  setPoolCapacity(device, queueBudget(cpu));
  return device;
}

/** Opens the device for a bench file and parses its flags (`Deno.args`). */
export async function openBench(): Promise<BenchEnv> {
  const flags = benchFlagsOrExit(Deno.args);
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("no WebGPU adapter");
  const cpu = isCpuAdapter(adapter.info);
  const device = await benchDevice(cpu);
  const dtype = flags.dtype ?? (device.features.has("shader-f16") ? "f16" : "f32");
  return { device, cpu, adapter: adapterName(adapter.info), dtype, flags, worst: 0 };
}

/**
 * Registers one `Deno.bench` per op and mode (forward first for every op, then forward +
 * backward: `<column>_fwd`, `<column>_<bwdSuffix>`) at shape `s`, in group `group`.
 *
 * An await on the GPU costs ≈ 11 ms in Deno, so an iteration records one launch and only
 * every N-th iteration submits and awaits the queue: Deno's `time/iter (avg)` is the time per
 * launch with one await amortised over N launches (its min, max and p75 are not meaningful:
 * most iterations only record). N comes from a GPU-timestamp calibration (three samples back
 * to back, like the batches) so that the await is under 5 % of a batch: queued launches
 * hold no memory of their own, since each one's outputs and temporaries go back to the buffer
 * pool for the next (ops/_runtime/pool.ts). One line per case on stderr ({@linkcode benchRow})
 * gives the timestamp median and N; with `--check`, a batch of N launches is also timed on the
 * GPU as one window and on the host ({@linkcode checkBatch}), and the host's difference to the
 * window is recorded in `env.worst`. The inputs live until the process ends (the benches run
 * after registration).
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
  const inputs = makeInputs(device, s, dtype, "BHTD");
  const runners = ops.map((op) => op.setup(inputs));
  for (const withBwd of [false, true]) {
    for (const [i, op] of ops.entries()) {
      const work = withBwd ? runners[i].fwdBwd : runners[i].fwd;
      const name = `${op.column}_${withBwd ? bwdSuffix : "fwd"}`;
      const { gpu, n } = await calibrate(device, work);
      const check = env.flags.check ? await checkBatch(device, work, n) : undefined;
      if (check) env.worst = Math.max(env.worst, check.diff);
      console.error(benchRow(`${group} ${name.padEnd(20)}`, gpu, n, check));
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

/** Throws when `--check` saw a host batch more than 10 % off its batch's GPU window. */
export function assertBenchAgreement(env: BenchEnv): void {
  if (env.flags.check && env.worst > 0.1) {
    throw new Error(
      `host batches disagree with their GPU timestamps by ${(100 * env.worst).toFixed(1)} %`,
    );
  }
}
