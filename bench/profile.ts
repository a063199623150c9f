/**
 * `deno task profile`: GPU timing table of the attention ops on the local adapter.
 *
 * Measures device ceilings first (bench/ceilings.ts), then for each op, shape, dtype and mode
 * prints the median (p20–p80) GPU time from timestamp queries (samples back to back in one
 * submit after a warm-up, see bench/measure.ts; `--per-submit 1` for one sample per await), the achieved GB/s and TFLOP/s
 * (counts in bench/ops.ts) and their share of the measured ceilings. Run with `--help` for the
 * flags. With no flags: the linear-attention table (naive, fused, SDPA; fwd and fwd+bwd;
 * f16 where available and f32) at B8-H16-D64, T ∈ {1024, 4096, 16384, 32768} on a GPU, or at
 * sizes that finish within a minute on a CPU adapter.
 * @module
 */
import { parseArgs } from "node:util";
import { oneOf, positiveInt, positiveInts, runCli, UsageError } from "./cli.ts";
import { profilePlotSvg } from "./plot.ts";
import {
  bytesPerElement,
  type DType,
  type KernelTime,
  quantiles,
  timeGpu,
  timeKernels,
} from "../ops/_runtime/mod.ts";
import { BENCH_OPS, bytesOf, type Layout, makeInputs, type Shape, TABLE_OPS } from "./ops.ts";
import { type Ceilings, measureCeilings } from "./ceilings.ts";
import {
  clockCell,
  clockOf,
  clockProbe,
  MAX_TRIES,
  MIN_CLOCK,
  REWARM_MS,
  timeProbed,
} from "./clock_probe.ts";
import {
  adapterName,
  backToBack,
  benchDevice,
  type GpuTime,
  gpuTime,
  isCpuAdapter,
  keepBusy,
  launchesInBudget,
  WARMUP_MS,
} from "./measure.ts";

/** The usage text printed by `--help`. */
export const USAGE = `Usage: deno task profile [options]

  --ops LIST      ops to time, comma-separated: ${BENCH_OPS.map((o) => o.name).join(", ")}
                  (default: ${TABLE_OPS.join(", ")}); decoupled ops add qRope, kRope;
                  varlen_la packs B sequences of T tokens as [B·T, H, D] (any --layout)
  --B N           batch (default 8; 1 on a CPU adapter)
  --H N           heads (default 16; 2 on a CPU adapter)
  --T LIST        sequence lengths (default 1024,4096,16384,32768; 128,256 on a CPU adapter)
  --D N           head dimension (default 64)
  --dtype LIST    f16, f32 or f16,f32 (default: f16 where available, and f32)
  --layout L      BHTD or BTHD (default BHTD)
  --mode LIST     fwd, fwdbwd or fwd,fwdbwd (default both)
  --reps N        timed samples per case (default 10; fewer for cases over ~0.5 s)
  --per-submit N  timed samples per submit (default: all --reps, as far as a memory budget
                  allows, after ~25 ms of untimed warm-up launches in the same submit). An
                  await costs ~11 ms in Deno and a GPU idle that long lowers its clock, so
                  short kernels timed one per submit read slow (H100, linear attention at
                  T = 1024: 0.62 ms vs 0.31 ms back to back). 1: one sample per await, no
                  warm-up (the old behaviour)
  --breakdown     also run each case once with every dispatch timed on its own and print
                  where the time goes: GPU ms per kernel (after the table; in --json, each
                  row's "kernels")
  --no-ceilings   skip the ceiling measurements
  --clock-probe / --no-clock-probe
                  time a short FMA kernel between each case's samples and measure the
                  case again (up to 3 times) while it runs under 97 % of its fastest: a
                  slowed GPU (default: on a GPU, off on a CPU adapter); the table's
                  "clock" column gives the probe's speed, marked "!" where still under 97 %
  --json          print one JSON document instead of the table
  --csv           print CSV (one line per case, a header first) instead of the table
  --plot FILE     also write an SVG picture of the table: GPU time vs T per op, log axes,
                  the ceilings' bound for each op dashed
  -h, --help      this text
`;

/** Parsed and validated options. */
export interface ProfileOptions {
  ops: string[];
  B?: number;
  H?: number;
  T?: number[];
  D: number;
  dtypes?: DType[];
  layout: Layout;
  modes: ("fwd" | "fwdbwd")[];
  reps: number;
  /** `--per-submit`: at most this many samples per submit (default: the memory budget's). */
  perSubmit?: number;
  ceilings: boolean;
  /** `--clock-probe` / `--no-clock-probe` (absent: on a GPU, off on a CPU adapter). */
  clockProbe?: boolean;
  breakdown: boolean;
  json: boolean;
  csv: boolean;
  /** `--plot`: the SVG file to write. */
  plot?: string;
}

function list<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--${flag}: empty list`);
  return items.map((item) => oneOf(item, allowed, `--${flag}`));
}

const positive = (value: string, flag: string) => positiveInt(value, `--${flag}`);

/**
 * Parses the command line (`--help` is handled before, by `runCli`); throws a `UsageError`
 * (or `parseArgs`' TypeError) naming the flag on bad arguments.
 */
export function parseProfileArgs(args: string[]): ProfileOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ops: { type: "string" },
      B: { type: "string" },
      H: { type: "string" },
      T: { type: "string" },
      D: { type: "string" },
      dtype: { type: "string" },
      layout: { type: "string" },
      mode: { type: "string" },
      reps: { type: "string" },
      "per-submit": { type: "string" },
      "no-ceilings": { type: "boolean" },
      "clock-probe": { type: "boolean" },
      "no-clock-probe": { type: "boolean" },
      breakdown: { type: "boolean" },
      json: { type: "boolean" },
      csv: { type: "boolean" },
      plot: { type: "string" },
    },
  });
  const names = BENCH_OPS.map((o) => o.name);
  const D = values.D ? positive(values.D, "D") : 64;
  if (D > 256) throw new UsageError(`--D: at most 256, got ${D}`);
  if (values.json && values.csv) throw new UsageError("--json and --csv: choose one");
  if (values["clock-probe"] && values["no-clock-probe"]) {
    throw new UsageError("--clock-probe and --no-clock-probe: choose one");
  }
  if (values.plot !== undefined && !values.plot.endsWith(".svg")) {
    throw new UsageError(`--plot: expected a file name ending in .svg, got "${values.plot}"`);
  }
  return {
    ops: values.ops ? list(values.ops, names, "ops") : [...TABLE_OPS],
    B: values.B ? positive(values.B, "B") : undefined,
    H: values.H ? positive(values.H, "H") : undefined,
    T: values.T ? positiveInts(values.T, "--T") : undefined,
    D,
    dtypes: values.dtype ? list(values.dtype, ["f16", "f32"] as const, "dtype") : undefined,
    layout: values.layout ? list(values.layout, ["BHTD", "BTHD"] as const, "layout")[0] : "BHTD",
    modes: values.mode ? list(values.mode, ["fwd", "fwdbwd"] as const, "mode") : ["fwd", "fwdbwd"],
    reps: values.reps ? positive(values.reps, "reps") : 10,
    perSubmit: values["per-submit"] ? positive(values["per-submit"], "per-submit") : undefined,
    ceilings: !values["no-ceilings"],
    clockProbe: values["clock-probe"] ? true : values["no-clock-probe"] ? false : undefined,
    breakdown: values.breakdown ?? false,
    json: values.json ?? false,
    csv: values.csv ?? false,
    plot: values.plot,
  };
}

/** One measured case. */
export interface ProfileRow {
  op: string;
  mode: "fwd" | "fwdbwd";
  dtype: DType;
  layout: Layout;
  B: number;
  H: number;
  T: number;
  D: number;
  /** GPU time, ms. */
  time: GpuTime;
  /** Timed samples per submit (1: one per await), after `warmup` untimed launches. */
  perSubmit: number;
  warmup: number;
  flops: number;
  bytes: number;
  gbps: number;
  tflops: number;
  /** Share of the copy ceiling, % (absent without ceilings). */
  pctCopy?: number;
  /** Share of the f32 FMA ceiling (the arithmetic is f32 for both dtypes), %. */
  pctFma?: number;
  /** With `--breakdown`: GPU time per kernel of one run, each dispatch in its own pass. */
  kernels?: KernelTime[];
  /** With the clock probe: its median between this case's samples, ms. */
  clockProbeMs?: number;
  /** With the clock probe: its speed here as a share of its fastest in the run (≤ 1). */
  clock?: number;
  /** With the clock probe: measurements made (more than 1 after a slow probe). */
  tries?: number;
  /** Seconds since the profile started, when the case's measurement ended. */
  atS: number;
}

const fmt = (x: number, digits = 3) => x.toFixed(digits);
/** Three significant digits, without exponent notation for small values. */
const sig = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

const TABLE_HEAD =
  "| op | mode | dtype | T | median ms (p20–p80) | GB/s | TFLOP/s | % copy | % FMA | clock |\n" +
  "|---|---|---|---|---|---|---|---|---|---|";

function tableRow(r: ProfileRow): string {
  return `| ${r.op} | ${r.mode} | ${r.dtype} | ${r.T} | ${fmt(r.time.p50)} (${fmt(r.time.p20)}–${
    fmt(r.time.p80)
  }) | ${sig(r.gbps)} | ${sig(r.tflops)} | ${r.pctCopy?.toFixed(1) ?? "-"} | ${
    r.pctFma?.toFixed(1) ?? "-"
  } | ${clockCell(r.clock)} |`;
}

const BREAKDOWN_HEAD = "| op | mode | dtype | T | kernel | dispatches | GPU ms | share |\n" +
  "|---|---|---|---|---|---|---|---|";

/** Rows of the breakdown table: one per kernel of `r`, its share of their sum. */
function breakdownRows(r: ProfileRow): string[] {
  const kernels = r.kernels ?? [];
  const sum = kernels.reduce((a, k) => a + k.ms, 0);
  return kernels.map((k) =>
    `| ${r.op} | ${r.mode} | ${r.dtype} | ${r.T} | ${k.name} | ${k.dispatches} | ${fmt(k.ms)} | ${
      (100 * k.ms / sum).toFixed(1)
    } % |`
  );
}

/**
 * Sets each probed row's `clock` against the probe's fastest of the whole run and warns (via
 * `say`) about the rows still under {@linkcode MIN_CLOCK}.
 */
function warnSlowClocks(rows: ProfileRow[], fastestMs: number, say: (s: string) => void): void {
  const slow: string[] = [];
  for (const r of rows) {
    if (r.clockProbeMs === undefined) continue;
    r.clock = clockOf(r.clockProbeMs, fastestMs);
    if (r.clock < MIN_CLOCK) {
      slow.push(`${r.op} ${r.mode} ${r.dtype} T=${r.T} (${clockCell(r.clock)})`);
    }
  }
  if (slow.length) {
    say(
      `warning: the clock probe ran under ${100 * MIN_CLOCK} % of its fastest in ${slow.length} ` +
        `case(s), measured up to ${MAX_TRIES} times: ${
          slow.join(", ")
        }. The GPU ran them at a lowered clock; ` +
        "their times are slower than the kernels: run them again.",
    );
  }
}

/** Two more samples of a case that takes over 2 s, with the warm-up sample `first` counted. */
async function gpuTimeWith(device: GPUDevice, work: () => void, first: number): Promise<GpuTime> {
  const more = await timeGpu(device, work, 1);
  return quantiles([first, ...more, ...await timeGpu(device, work, 1)]);
}

/** The columns of `--csv`, in order: a name and how to read it from a row. */
const CSV_COLUMNS: [string, (r: ProfileRow) => string | number | undefined][] = [
  ["op", (r) => r.op],
  ["mode", (r) => r.mode],
  ["dtype", (r) => r.dtype],
  ["layout", (r) => r.layout],
  ["B", (r) => r.B],
  ["H", (r) => r.H],
  ["T", (r) => r.T],
  ["D", (r) => r.D],
  ["median_ms", (r) => r.time.p50],
  ["p20_ms", (r) => r.time.p20],
  ["p80_ms", (r) => r.time.p80],
  ["gb_per_s", (r) => r.gbps],
  ["tflop_per_s", (r) => r.tflops],
  ["pct_copy", (r) => r.pctCopy],
  ["pct_fma", (r) => r.pctFma],
  ["clock", (r) => r.clock],
  ["per_submit", (r) => r.perSubmit],
  ["warmup", (r) => r.warmup],
  ["bytes", (r) => r.bytes],
  ["flops", (r) => r.flops],
];

/** `--csv` output: a header line, then one line per row (empty fields where unmeasured). */
export function profileCsv(rows: readonly ProfileRow[]): string {
  const lines = rows.map((r) => CSV_COLUMNS.map(([, get]) => get(r) ?? "").join(","));
  return [CSV_COLUMNS.map(([name]) => name).join(","), ...lines].join("\n") + "\n";
}

async function main(o: ProfileOptions): Promise<number> {
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    console.error("error: no WebGPU adapter on this machine");
    return 1;
  }
  const cpu = isCpuAdapter(adapter.info);
  const device = await benchDevice(cpu);
  if (!device.features.has("timestamp-query")) {
    console.error("error: this adapter has no timestamp-query; GPU timing is impossible");
    return 1;
  }
  const hasF16 = device.features.has("shader-f16");
  const dtypes = o.dtypes ?? (hasF16 ? ["f16", "f32"] : ["f32"]);
  if (dtypes.includes("f16") && !hasF16) {
    console.error("error: --dtype f16 needs the shader-f16 feature, which this adapter lacks");
    console.error("hint: --dtype f32");
    return 2;
  }
  const base = { B: o.B ?? (cpu ? 1 : 8), H: o.H ?? (cpu ? 2 : 16), D: o.D };
  const tList = o.T ?? (cpu ? [128, 256] : [1024, 4096, 16384, 32768]);
  const progress = (s: string) => console.error(s);
  const started = performance.now();
  progress(`flash-bla profile on ${adapterName(adapter.info)}${cpu ? " (CPU adapter)" : ""}`);
  let ceilings: Ceilings | undefined;
  if (o.ceilings) {
    progress("measuring ceilings (copy bandwidth, FMA rate)…");
    ceilings = await measureCeilings(device, cpu);
    progress(
      `ceilings: copy ${sig(ceilings.copyGBs)} GB/s, f32 FMA ${sig(ceilings.f32Tflops)} ` +
        `TFLOP/s${ceilings.f16Tflops ? `, f16 vec4 FMA ${sig(ceilings.f16Tflops)} TFLOP/s` : ""}`,
    );
  }
  const probing = o.clockProbe ?? !cpu;
  if (probing) progress("measuring the clock probe…");
  using probe = probing ? await clockProbe(device, cpu) : undefined;
  const rows: ProfileRow[] = [];
  const table = !o.json && !o.csv;
  if (table) {
    console.log(
      `B${base.B}-H${base.H}-D${base.D}, ${o.layout}, GPU time from timestamp queries, ` +
        (o.perSubmit === 1
          ? "one sample per submit"
          : `samples back to back after ${cpu ? "" : "~200 ms busy and "}~${WARMUP_MS} ms of ` +
            "warm-up launches") +
        ` (${adapterName(adapter.info)})`,
    );
    console.log(TABLE_HEAD);
  }
  const ops = BENCH_OPS.filter((op) => o.ops.includes(op.name));
  const total = dtypes.length * tList.length * ops.length * o.modes.length;
  for (const dtype of dtypes) {
    for (const T of tList) {
      const s: Shape = { ...base, T };
      const memoryCap = launchesInBudget(s.B * s.H * T * s.D * bytesPerElement(dtype), cpu);
      using inputs = makeInputs(device, s, dtype, o.layout);
      for (const op of ops) {
        using runner = op.setup(inputs);
        for (const mode of o.modes) {
          const withBwd = mode === "fwdbwd";
          const work = withBwd ? runner.fwdBwd : runner.fwd;
          progress(`[${rows.length + 1}/${total}] ${op.name} ${mode} ${dtype} T=${T}…`);
          // One warm-up sample (compiles) that also sizes the run: long cases get fewer reps,
          // and over 2 s the warm-up itself counts (compilation is host time, not GPU time).
          // The reps run back to back after untimed warm-up launches, as far as memory allows.
          const first = (await gpuTime(device, work, 1)).p50;
          // The GPU's clock after the host's compiles: up before the timed samples.
          if (!cpu && first <= 2000) await keepBusy(device, work, first, memoryCap);
          const reps = first > 500 ? Math.min(o.reps, 3) : o.reps;
          const plan = first > 2000 || o.perSubmit === 1
            ? { perSubmit: 1, warmup: 0 }
            : backToBack(first, reps, memoryCap);
          plan.perSubmit = Math.min(plan.perSubmit, o.perSubmit ?? Infinity);
          // Over 2 s a case is not probed: three samples, the warm-up's counted.
          const probed = probe && first <= 2000
            ? await timeProbed(
              device,
              work,
              probe,
              { samples: reps, ...plan },
              () => keepBusy(device, work, first, memoryCap, REWARM_MS),
            )
            : undefined;
          const time = probed?.time ??
            (first > 2000
              ? await gpuTimeWith(device, work, first)
              : await gpuTime(device, work, reps, plan.perSubmit, plan.warmup));
          const flops = op.flops(s, withBwd), bytes = bytesOf(s, dtype, withBwd, op.inputs);
          const gbps = bytes / (time.p50 * 1e6), tflops = flops / (time.p50 * 1e9);
          const row: ProfileRow = {
            op: op.name,
            mode,
            dtype,
            layout: o.layout,
            ...s,
            time,
            ...plan,
            flops,
            bytes,
            gbps,
            tflops,
            pctCopy: ceilings && (100 * gbps) / ceilings.copyGBs,
            pctFma: ceilings && (100 * tflops) / ceilings.f32Tflops,
            atS: (performance.now() - started) / 1000,
          };
          if (probed) {
            row.clockProbeMs = probed.probeMs;
            row.clock = clockOf(probed.probeMs, probe!.fastestMs); // against the fastest so far
            row.tries = probed.tries;
          }
          if (o.breakdown) row.kernels = await timeKernels(device, work);
          rows.push(row);
          if (table) console.log(tableRow(row)); // rows stream out as they are measured
        }
      }
    }
  }
  if (probe) warnSlowClocks(rows, probe.fastestMs, progress);
  if (o.breakdown && table) {
    console.log(
      "\nPer kernel (one run, each dispatch in its own timed pass: the sum exceeds the op's " +
        "time by a few µs per dispatch)",
    );
    console.log(BREAKDOWN_HEAD);
    for (const r of rows) for (const line of breakdownRows(r)) console.log(line);
  }
  if (o.json) {
    console.log(JSON.stringify(
      {
        adapter: adapterName(adapter.info),
        cpuAdapter: cpu,
        deno: Deno.version.deno,
        ceilings,
        rows,
      },
      null,
      2,
    ));
  }
  if (o.csv) console.log(profileCsv(rows).trimEnd());
  if (o.plot) {
    const title = `flash-bla profile, B${base.B}-H${base.H}-D${base.D} ${o.layout}, ` +
      adapterName(adapter.info);
    await Deno.writeTextFile(o.plot, profilePlotSvg(rows, title, ceilings));
    progress(`wrote ${o.plot}`);
  }
  device.destroy();
  return 0;
}

if (import.meta.main) {
  await runCli("deno task profile", USAGE, Deno.args, parseProfileArgs, main);
}
