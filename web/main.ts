/// <reference lib="dom" />
/**
 * The demo page's script (bundled to web/dist/main.js). It loads the package's browser build
 * (web/dist/flash-bla.js) at run time, so the page exercises exactly that bundle, and exposes
 * `window.flashBla` (ready, runDemo, runSelfTest, runBenchmark) for the headless test.
 * @module
 */
import { type Lib, runSelfTest, type SelfTestReport } from "./selftest.ts";
import { type AttentionOp, clockOf, defaultsFor, sweep, type SweepRow } from "./bench.ts";
import { isCpuAdapter } from "../bench/adapter.ts";
import { demoOps, type DemoResult } from "./demo_ops.ts";
import { logLogChart } from "./chart.ts";

/** The package bundle, next to this script in web/dist/. */
const LIB_URL = new URL("./flash-bla.js", import.meta.url).href;

const COLORS = ["#1a73e8", "#d93025", "#188038", "#9334e6"];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page knows once WebGPU is up. */
interface Page {
  lib: Lib;
  device: GPUDevice;
  adapter: string;
  /** Whether the adapter runs on the CPU (then the sizes default small). */
  cpu: boolean;
}

/** Shows why the demo cannot run, and rejects every API call with that reason. */
function noWebGpu(reason: string): never {
  const box = $("no-webgpu");
  box.hidden = false;
  box.textContent = `${reason} The demo needs WebGPU: use Chrome or Edge 113+, Safari 26, or ` +
    "Firefox 141+ (Windows), served from https:// or localhost.";
  $("status").textContent = "WebGPU unavailable.";
  throw new Error(reason);
}

async function start(): Promise<Page> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) noWebGpu("This browser has no WebGPU (navigator.gpu is undefined).");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) noWebGpu("WebGPU is present but no GPU adapter is available.");
  const lib: Lib = await import(LIB_URL);
  const device = await lib.requestDevice();
  lib.setDefaultDevice(device);
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.description].filter((s) => s).join(" · ");
  const features = ["shader-f16", "timestamp-query"].filter((f) => device.features.has(f));
  const cpu = isCpuAdapter(info);
  $("status").textContent = `GPU: ${name || "unknown adapter"}${
    cpu ? " (runs on the CPU: small sizes by default)" : ""
  } — features: ${features.join(", ") || "none"} — timing by ${clockOf(device)}.`;
  const defaults = defaultsFor(cpu);
  $<HTMLInputElement>("length").value = String(defaults.runLength);
  $<HTMLSelectElement>("max-length").value = String(defaults.maxLength);
  const f16 = $<HTMLSelectElement>("dtype").querySelector<HTMLOptionElement>("[value=f16]")!;
  f16.disabled = !device.features.has("shader-f16");
  if (f16.disabled) f16.textContent = "f16 (no shader-f16)";
  const select = $<HTMLSelectElement>("op");
  for (const [key, op] of Object.entries(demoOps())) select.add(new Option(op.label, key));
  $("controls").hidden = false;
  return { lib, device, adapter: name, cpu };
}

const ready = start();
ready.catch((error) => {
  if ($("no-webgpu").hidden) $("status").textContent = `Error: ${error?.message ?? error}`;
});

/** Runs one op of the menu and shows its error against float64 and its time. */
async function runDemo(key: string, T: number, dtype: "f32" | "f16"): Promise<DemoResult> {
  const { lib, device } = await ready;
  const op = demoOps()[key];
  if (!op) throw new RangeError(`unknown op ${JSON.stringify(key)}`);
  $<HTMLInputElement>("length").value = String(T);
  $<HTMLSelectElement>("op").value = key;
  $<HTMLSelectElement>("dtype").value = dtype;
  const out = $("run-result");
  out.textContent = `Running ${op.label} at T = ${T} (${dtype})…`;
  try {
    const r = await op.run(lib, device, T, dtype);
    out.textContent = `${op.label}  ${r.shape}\n` +
      `${r.ms.toFixed(3)} ms per call (${r.clock})\n` +
      `relative RMS error vs float64: ${r.error.toExponential(2)} ` +
      `(tolerance ${r.tol}) ${r.error <= r.tol ? "✓" : "✗"}\n` +
      `compared: ${r.compared}`;
    return r;
  } catch (error) {
    out.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
    throw error;
  }
}

function renderSelfTest(report: SelfTestReport): void {
  const rows = report.checks.map((c) =>
    `<tr><td>${c.name}</td><td>${c.dtype}</td><td>${c.quantity}</td>` +
    `<td>${c.error.toExponential(2)}</td><td>${c.tol}</td>` +
    `<td class="${c.ok ? "pass" : "fail"}">${c.ok ? "pass" : "FAIL"}</td></tr>`
  ).join("");
  $("selftest-result").innerHTML = `<p class="${report.ok ? "pass" : "fail"}">` +
    `${report.ok ? "All checks pass" : "Some checks FAIL"} (${report.checks.length} checks, ` +
    `${(report.ms / 1000).toFixed(1)} s, seed ${report.seed})</p>` +
    `<table><tr><th>op</th><th>dtype</th><th>quantity</th><th>rel. RMS error</th>` +
    `<th>tolerance</th><th></th></tr>${rows}</table>`;
}

/** Runs the self-test, shows its table, and returns the report (with the adapter). */
async function selfTest(): Promise<SelfTestReport & { adapter: string }> {
  const { lib, adapter } = await ready;
  $("selftest-result").textContent = "Running…";
  const report = await runSelfTest(lib);
  renderSelfTest(report);
  return { ...report, adapter };
}

/** The ops on the chart. */
function benchOps(lib: Lib): Record<string, AttentionOp> {
  return {
    "linear attention": lib.linearAttention,
    "softmax (SDPA)": lib.scaledDotProductAttention,
  };
}

function drawChart(rows: SweepRow[], title: string): void {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.ms)))];
  const series = names.map((name, i) => ({
    name,
    color: COLORS[i % COLORS.length],
    points: rows.filter((r) => name in r.ms).map((r) => [r.T, r.ms[name]] as [number, number]),
  }));
  $("chart").innerHTML = logLogChart(series, {
    title,
    xLabel: "sequence length T",
    yLabel: "milliseconds per call",
  });
}

/** Options of {@linkcode runBenchmark}. */
interface BenchmarkOptions {
  /** Sequence lengths; default powers of two from 128 to `maxLength`. */
  lengths?: number[];
  /** Largest length when `lengths` is not given; default by adapter (512 on a CPU). */
  maxLength?: number;
  /** Launches per timed sample; default 4. */
  reps?: number;
  /** Samples per point; default 5. */
  samples?: number;
}

/** Cancels the running benchmark (the Cancel button). */
let cancelBenchmark: (() => void) | undefined;

/**
 * Times the ops at each length, showing progress and redrawing the chart after each; Cancel
 * stops it after the step on the GPU. Returns the rows measured.
 */
async function runBenchmark(options: BenchmarkOptions = {}): Promise<SweepRow[]> {
  const { lib, device, adapter, cpu } = await ready;
  const maxLength = options.maxLength ?? defaultsFor(cpu).maxLength;
  const lengths = options.lengths ?? [];
  for (let T = 128; !options.lengths && T <= maxLength; T *= 2) lengths.push(T);
  const [B, H, D] = [1, 4, 64];
  const title = `forward, B=${B} H=${H} D=${D} f32 — ${adapter || "GPU"} (${clockOf(device)})`;
  const controller = new AbortController();
  const [bar, status, cancel] = [
    $<HTMLProgressElement>("bench-progress"),
    $("bench-status"),
    $<HTMLButtonElement>("cancel"),
  ];
  cancelBenchmark = () => controller.abort();
  [bar.hidden, cancel.hidden, cancel.disabled] = [false, false, false];
  $("chart").textContent = "";
  try {
    const rows = await sweep(
      lib,
      device,
      benchOps(lib),
      { lengths, batch: B, heads: H, headDim: D, reps: options.reps, samples: options.samples },
      {
        signal: controller.signal,
        onRow: (rows) => drawChart(rows, title),
        onProgress: ({ done, total, op, T }) => {
          [bar.value, bar.max] = [done, total];
          status.textContent = `Timing ${op} at T = ${T} (${done + 1} of ${total})…`;
        },
      },
    );
    status.textContent = controller.signal.aborted
      ? `Cancelled: ${rows.length} of ${lengths.length} lengths measured.`
      : `Done: ${lengths.length} lengths.`;
    return rows;
  } finally {
    [bar.hidden, cancel.hidden] = [true, true];
    cancelBenchmark = undefined;
  }
}

/** Runs `task` with every button but Cancel disabled, logging failures to the console. */
function exclusive(task: () => Promise<unknown>): void {
  const buttons = [...document.querySelectorAll<HTMLButtonElement>("button:not(#cancel)")];
  buttons.forEach((b) => (b.disabled = true));
  task().catch((error) => console.error(error)).finally(() =>
    buttons.forEach((b) => (b.disabled = false))
  );
}

$("run-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const T = Number($<HTMLInputElement>("length").value);
  const dtype = $<HTMLSelectElement>("dtype").value as "f32" | "f16";
  exclusive(() => runDemo($<HTMLSelectElement>("op").value, T, dtype));
});
$("selftest").addEventListener("click", () => exclusive(selfTest));
$("cancel").addEventListener("click", () => {
  $<HTMLButtonElement>("cancel").disabled = true;
  $("bench-status").textContent = "Cancelling after the step on the GPU…";
  cancelBenchmark?.();
});
$("bench-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const maxLength = Number($<HTMLSelectElement>("max-length").value);
  exclusive(() => runBenchmark({ maxLength }));
});

/** The page's API, used by tests/web/browser_test.ts. */
const api = {
  ready: ready.then(({ adapter, device, cpu }) => ({
    adapter,
    cpu,
    features: [...device.features],
  })),
  runDemo,
  runSelfTest: selfTest,
  runBenchmark,
  cancelBenchmark: () => cancelBenchmark?.(),
};
Object.assign(globalThis, { flashBla: api, runSelfTest: selfTest });
