/**
 * Clocks under load (issue 12): keeps each workload running for `--seconds` while `nvidia-smi`
 * (where the machine has one) reads the SM clock, the board power and the clock-event reasons
 * every 100 ms, then times it with GPU timestamps. Per workload it prints TFLOP/s beside the
 * median clock and power, and the share of the FMA ceiling scaled to that clock: whether a
 * kernel is slower than the ceiling because the card lowers its clock under it (power, heat) or
 * because of its own instructions. Workloads: the FMA ceiling and the kernels' register blocks
 * of bench/ladder.ts (constant and random operands), and `linearAttention` forward and
 * forward + backward at B8-H16-D64, f16 (f32 without `shader-f16`), timed as the profiler times
 * them but on a device as `requestDevice()` gives it (the buffer pool's automatic capacity,
 * where the profiler sizes the pool for its queued launches).
 *
 *   deno run --no-lock -A bench/clocks.ts [--T 32768] [--seconds 3] [--small]
 *
 * `--small` (the default on a CPU adapter): small sizes. Without `nvidia-smi` the clock columns
 * read "-".
 * @module
 */
import { parseArgs } from "node:util";
import { bytesPerElement, type DType, requestDevice } from "../ops/_runtime/mod.ts";
import { blockWork, fmaWork, type Workload } from "./ladder.ts";
import { backToBack, gpuTime, isCpuAdapter, keepBusy, launchesInBudget } from "./measure.ts";
import { BENCH_OPS, makeInputs, type Shape } from "./ops.ts";

/** One `nvidia-smi` reading. */
export interface SmiSample {
  /** SM clock, MHz. */
  mhz: number;
  /** Board power draw, W. */
  watts: number;
  /** GPU temperature, °C. */
  celsius: number;
  /** Active clock-event (throttle) reasons, NVML's bit mask. */
  reasons: number;
}

/** NVML's clock-event reason bits, as `nvidia-smi -q` names them. */
export const CLOCK_EVENT_REASONS: readonly [number, string][] = [
  [0x1, "idle"],
  [0x2, "applications clocks"],
  [0x4, "SW power cap"],
  [0x8, "HW slowdown"],
  [0x10, "sync boost"],
  [0x20, "SW thermal"],
  [0x40, "HW thermal"],
  [0x80, "HW power brake"],
  [0x100, "display clocks"],
];

/** Names of the bits set in `mask`; "none" if none. */
export function reasonNames(mask: number): string {
  const names = CLOCK_EVENT_REASONS.filter(([bit]) => (mask & bit) !== 0).map(([, n]) => n);
  return names.length ? names.join(", ") : "none";
}

/**
 * Parses one line of `--query-gpu=clocks.sm,power.draw,temperature.gpu,<reasons>
 * --format=csv,noheader,nounits` (e.g. `1980, 412.35, 41, 0x0000000000000004`); undefined
 * for a line with a field nvidia-smi could not read (`[N/A]`).
 */
export function parseSmiLine(line: string): SmiSample | undefined {
  const f = line.split(",").map((s) => s.trim());
  if (f.length !== 4) return undefined;
  const [mhz, watts, celsius, reasons] = [Number(f[0]), Number(f[1]), Number(f[2]), Number(f[3])];
  if (![mhz, watts, celsius, reasons].every(Number.isFinite)) return undefined;
  return { mhz, watts, celsius, reasons };
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** What the samples of one workload say. */
export interface ClockSummary {
  samples: number;
  mhz: number;
  minMhz: number;
  watts: number;
  maxWatts: number;
  celsius: number;
  /** The reasons active in at least half the samples. */
  reasons: number;
}

/** Medians (and extremes) of `samples`; undefined if there are none. */
export function summarise(samples: readonly SmiSample[]): ClockSummary | undefined {
  if (samples.length === 0) return undefined;
  return {
    samples: samples.length,
    mhz: median(samples.map((s) => s.mhz)),
    minMhz: Math.min(...samples.map((s) => s.mhz)),
    watts: median(samples.map((s) => s.watts)),
    maxWatts: Math.max(...samples.map((s) => s.watts)),
    celsius: median(samples.map((s) => s.celsius)),
    reasons: CLOCK_EVENT_REASONS.reduce(
      (mask, [bit]) =>
        2 * samples.filter((s) => (s.reasons & bit) !== 0).length >= samples.length
          ? mask | bit
          : mask,
      0,
    ),
  };
}

const SMI_FIELDS = "clocks.sm,power.draw,temperature.gpu";
// The reasons field's name before and after driver 535.
const SMI_REASONS = ["clocks_event_reasons.active", "clocks_throttle_reasons.active"];

/** `nvidia-smi` reading GPU 0 every 100 ms; each reading goes to the current workload. */
class Sampler {
  current: string | undefined;
  readonly samples = new Map<string, SmiSample[]>();
  #child: Deno.ChildProcess;
  #done: Promise<void>;

  constructor(query: string) {
    this.#child = new Deno.Command("nvidia-smi", {
      args: ["-i", "0", query, "--format=csv,noheader,nounits", "-lms", "100"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#done = this.#read();
  }

  async #read() {
    let rest = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      const s = lines.map(parseSmiLine);
      for (const sample of s) {
        if (!sample || this.current === undefined) continue;
        const list = this.samples.get(this.current) ?? [];
        list.push(sample);
        this.samples.set(this.current, list);
      }
    }
  }

  async stop() {
    this.#child.kill();
    await this.#done;
    await this.#child.status;
  }
}

/** Starts a {@linkcode Sampler}, or undefined where nvidia-smi is missing or fails. */
async function startSampler(): Promise<Sampler | undefined> {
  for (const reasons of SMI_REASONS) {
    const query = `--query-gpu=${SMI_FIELDS},${reasons}`;
    try {
      const probe = await new Deno.Command("nvidia-smi", {
        args: ["-i", "0", query, "--format=csv,noheader,nounits"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (probe.success) return new Sampler(query);
    } catch {
      return undefined; // no nvidia-smi on this machine
    }
  }
  return undefined;
}

/** One workload of the run: a name and how to make it. */
interface Case {
  name: string;
  /** Makes the workload, and how many launches may be queued at once. */
  make(): { w: Workload; cap: number } | undefined;
}

/** The workloads, in order. */
function cases(device: GPUDevice, T: number, small: boolean): Case[] {
  const f16 = device.features.has("shader-f16");
  const dtype: DType = f16 ? "f16" : "f32";
  const block = (name: string, b: Parameters<typeof blockWork>[1]): Case => ({
    name,
    make: () => (f16 || b.x === "f32") ? { w: blockWork(device, b, small), cap: 64 } : undefined,
  });
  const state = { form: "state", rm: 4, rn: 8 } as const;
  const rows = { form: "rows", rm: 8, rn: 4 } as const;
  const random = true;
  const la = (mode: "fwd" | "fwdBwd"): Case => ({
    name: `linear_attention ${mode === "fwd" ? "forward" : "forward + backward"}, ${dtype}, T ${T}`,
    make: () => {
      const op = BENCH_OPS.find((o) => o.name === "linear_attention")!;
      const shape: Shape = small ? { B: 1, H: 2, T, D: 64 } : { B: 8, H: 16, T, D: 64 };
      const inputs = makeInputs(device, shape, dtype, "BHTD");
      const runner = op.setup(inputs);
      const cap = launchesInBudget(
        shape.B * shape.H * T * shape.D * bytesPerElement(dtype),
        small,
      );
      return {
        w: {
          work: () => runner[mode](),
          flops: op.flops(shape, mode === "fwdBwd"),
          [Symbol.dispose]: () => {
            runner[Symbol.dispose]();
            inputs[Symbol.dispose]();
          },
        },
        cap,
      };
    },
  });
  return [
    {
      name: "FMA ceiling, f32 (bench/ladder.ts)",
      make: () => ({ w: fmaWork(device, "f32", small), cap: 64 }),
    },
    block("state block 4×8, f16 operands, constants", { ...state, x: "f16", y: "f16" }),
    block("state block 4×8, f16 operands, random", { ...state, x: "f16", y: "f16", random }),
    block("state block 4×8, f32 operands, random", { ...state, x: "f32", y: "f32", random }),
    block("row block 8×4, x f16, y f32, random", { ...rows, x: "f16", y: "f32", random }),
    la("fwd"),
    la("fwdBwd"),
  ];
}

/** One measured workload. */
export interface ClockRow {
  name: string;
  /** TFLOP/s (median of back-to-back GPU-timed launches); undefined for the idle row. */
  tflops?: number;
  clocks?: ClockSummary;
}

/**
 * Runs every workload for `seconds` (after an idle row of `seconds`) and returns the rows;
 * `smi`: read the clocks with nvidia-smi where it runs.
 */
export async function runClocks(
  device: GPUDevice,
  opts: { T: number; seconds: number; small: boolean; smi: boolean },
): Promise<ClockRow[]> {
  const sampler = opts.smi ? await startSampler() : undefined;
  const rows: ClockRow[] = [];
  const ms = opts.seconds * 1000;
  if (sampler) sampler.current = "idle";
  await new Promise((r) => setTimeout(r, ms));
  if (sampler) sampler.current = undefined;
  rows.push({ name: "idle" });
  for (const c of cases(device, opts.T, opts.small)) {
    const made = c.make();
    if (!made) continue;
    using w = made.w;
    // A first launch (pipeline compiles; its time sizes keepBusy's batches), then the load;
    // only the readings during the load count.
    const launchMs = (await gpuTime(device, w.work, 1)).p50;
    if (sampler) sampler.current = c.name;
    const samples = opts.small ? 2 : 10, plan = backToBack(launchMs, samples, made.cap);
    await keepBusy(device, w.work, launchMs, made.cap, ms);
    const t = await gpuTime(device, w.work, samples, plan.perSubmit, plan.warmup);
    if (sampler) sampler.current = undefined;
    rows.push({ name: c.name, tflops: w.flops / (t.p50 * 1e9) });
  }
  if (sampler) {
    await sampler.stop();
    for (const r of rows) r.clocks = summarise(sampler.samples.get(r.name) ?? []);
  }
  return rows;
}

/**
 * The rows as a markdown table. "% of FMA at its clock": TFLOP/s against the FMA ceiling's
 * rate scaled by this row's clock over the ceiling's (the FMA rate is proportional to the
 * clock).
 */
export function clocksTable(rows: readonly ClockRow[]): string {
  const fma = rows.find((r) => r.name.startsWith("FMA ceiling"));
  const head = "| workload | TFLOP/s | SM MHz median (min) | power W median (max) | °C | " +
    "clock-event reasons | % of FMA at its clock |\n|---|---|---|---|---|---|---|";
  const lines = rows.map((r) => {
    const c = r.clocks;
    const atClock = r.tflops && fma?.tflops && c && fma.clocks
      ? (100 * r.tflops / (fma.tflops * c.mhz / fma.clocks.mhz)).toFixed(0)
      : "-";
    return `| ${r.name} | ${r.tflops?.toPrecision(3) ?? "-"} | ${
      c ? `${c.mhz} (${c.minMhz})` : "-"
    } | ${c ? `${c.watts.toFixed(0)} (${c.maxWatts.toFixed(0)})` : "-"} | ${c?.celsius ?? "-"} | ${
      c ? reasonNames(c.reasons) : "-"
    } | ${atClock} |`;
  });
  return [head, ...lines].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      T: { type: "string", default: "32768" },
      seconds: { type: "string", default: "3" },
      small: { type: "boolean" },
    },
  });
  const device = await requestDevice();
  const small = values.small ?? isCpuAdapter(device.adapterInfo);
  const T = Number(values.T), seconds = Number(values.seconds);
  if (!Number.isInteger(T) || T < 1) {
    throw new RangeError(`--T must be a positive integer, got ${values.T}`);
  }
  if (!(seconds > 0)) throw new RangeError(`--seconds must be positive, got ${values.seconds}`);
  console.log(clocksTable(
    await runClocks(device, { T: small ? Math.min(T, 256) : T, seconds, small, smi: true }),
  ));
}
