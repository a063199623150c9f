/**
 * `deno task bench:layers`: GPU time of every paper layer, forward and forward+backward
 * (`vjp` + `pullback`), at the original's self-test shapes (docs/math.md §9.2) and at 128×128 tokens,
 * f32 and f16, with timestamp queries (`timeGpu`: median, p20, p80 over several samples,
 * one await for all). Also reports what the backward keeps: the bytes the layer's `vjp`
 * allocates and holds until `dispose()`.
 *
 * On a CPU adapter the shapes shrink automatically (tiny C, 8×8 / 16×16 grids) so that the
 * run ends in well under a minute; pass `--full` to force the real shapes.
 *
 * Flags: `--help` (LAYERS_USAGE). Samples are capped so that the queued ones hold at most
 * 16 GiB.
 * @module
 */
import { parseArgs } from "node:util";
import {
  type DType,
  FocusedLinearAttention,
  GeneralizedLinearAttention,
  type Layer,
  type LayerVjp,
  MambaLikeLinearAttention,
  PolaLinearAttention,
  quantiles,
  RALALinearAttention,
  requestDevice,
  Tensor,
  timeGpu,
} from "../mod.ts";
import { flush, type KernelTime, memoryInfo, timeKernels } from "../ops/_runtime/mod.ts";
import { oneOf, positiveInt, runCli, UsageError } from "./cli.ts";
import { adapterName, isCpuAdapter } from "./adapter.ts";
import { clockCell, type ClockProbe, clockProbe, timeWarmedProbed } from "./clock_probe.ts";
import { hostMsPerLaunch } from "./host_cost.ts";

/** One benchmarked shape of one layer. */
interface LayerShape {
  batch: number;
  heads: number;
  headDim: number;
  height: number;
  width: number;
}

/** A layer under test: its forward and vjp on one input. */
interface Subject {
  layer: Layer;
  forward(x: Tensor): Tensor;
  vjp(x: Tensor): LayerVjp;
}

type Make = (device: GPUDevice, dtype: DType, s: LayerShape) => Subject;

const grid = (s: LayerShape) => ({ height: s.height, width: s.width });
const tokens = (s: LayerShape) => s.height * s.width;

/** An image layer: its forward and vjp take the token grid of `s`. */
interface ImageLayer extends Layer {
  forward(x: Tensor, options: { height: number; width: number }): Tensor;
  vjp(x: Tensor, options: { height: number; width: number }): LayerVjp;
}

/** The subject of an image layer at the grid of `s`. */
function onGrid(layer: ImageLayer, s: LayerShape): Subject {
  return { layer, forward: (x) => layer.forward(x, grid(s)), vjp: (x) => layer.vjp(x, grid(s)) };
}

/** Each layer, built as in its `__main__` self-test (docs/math.md §9.2). */
const LAYERS: Record<string, { make: Make; selftest: LayerShape }> = {
  "LinFusion (GeneralizedLinearAttention)": {
    selftest: { batch: 2, heads: 16, headDim: 64, height: 64, width: 64 },
    make: (device, dtype, s) => {
      const C = s.heads * s.headDim;
      const layer = new GeneralizedLinearAttention({
        queryDim: C,
        outDim: C,
        dimHead: s.headDim,
        device,
        dtype,
      });
      return { layer, forward: (x) => layer.forward(x), vjp: (x) => layer.vjp(x) };
    },
  },
  MambaLikeLinearAttention: {
    selftest: { batch: 4, heads: 16, headDim: 32, height: 16, width: 16 },
    make: (device, dtype, s) => {
      const layer = new MambaLikeLinearAttention({
        dim: s.heads * s.headDim,
        inputResolution: [s.height, s.width],
        numHeads: s.heads,
        device,
        dtype,
      });
      return onGrid(layer, s);
    },
  },
  FocusedLinearAttention: {
    selftest: { batch: 4, heads: 16, headDim: 64, height: 16, width: 16 },
    make: (device, dtype, s) => {
      const layer = new FocusedLinearAttention({
        dim: s.heads * s.headDim,
        numPatches: 1, // the positional encoding broadcasts, as in the self-test
        numHeads: s.heads,
        device,
        dtype,
      });
      return onGrid(layer, s);
    },
  },
  PolaLinearAttention: {
    selftest: { batch: 4, heads: 8, headDim: 32, height: 16, width: 16 },
    make: (device, dtype, s) => {
      const layer = new PolaLinearAttention({
        dim: s.heads * s.headDim,
        numPatches: tokens(s),
        numHeads: s.heads,
        device,
        dtype,
      });
      return onGrid(layer, s);
    },
  },
  RALALinearAttention: {
    selftest: { batch: 4, heads: 16, headDim: 32, height: 16, width: 16 },
    make: (device, dtype, s) => {
      const layer = new RALALinearAttention({
        dim: s.heads * s.headDim,
        inputResolution: [s.height, s.width],
        numHeads: s.heads,
        device,
        dtype,
      });
      return onGrid(layer, s);
    },
  },
};

/** The shapes of a layer: its self-test, and 128×128 tokens at batch 1 with the same C/heads. */
function shapesOf(selftest: LayerShape, tiny: boolean): Record<string, LayerShape> {
  if (tiny) {
    const small = { batch: 1, heads: 2, headDim: 16 };
    return {
      selftest: { ...small, height: 8, width: 8 },
      highres: { ...small, height: 16, width: 16 },
    };
  }
  return { selftest, highres: { ...selftest, batch: 1, height: 128, width: 128 } };
}

/** One result row. */
interface Row {
  layer: string;
  shape: string;
  dtype: DType;
  B: number;
  heads: number;
  headDim: number;
  tokens: string;
  forwardMs: { p20: number; p50: number; p80: number };
  forwardBackwardMs: { p20: number; p50: number; p80: number };
  /** Bytes of the buffers `vjp` allocates and keeps until `dispose()` (output included). */
  vjpKeepsBytes: number;
  /** `vjpKeepsBytes` in units of the input `x`'s bytes. */
  vjpKeepsInputs: number;
  /** Timed samples. */
  samples: number;
  /**
   * Host ms per launch (recording and submitting one forward, one forward+backward; median of
   * rounds of `samples` launches, the await outside): where it exceeds the GPU time, the GPU
   * waits for the host and the GPU columns include that wait.
   */
  hostMs: { forward: number; forwardBackward: number };
  /**
   * On a GPU: the clock probe's speed between the samples, the lower of the two sets, as a share
   * of its fastest so far (bench/clock_probe.ts; under `MIN_CLOCK` there: a slowed GPU).
   */
  clock?: number;
  /** With `--breakdown`: GPU time per kernel of one forward and one forward+backward. */
  kernels?: { forward: KernelTime[]; forwardBackward: KernelTime[] };
}

/** Device memory the queued samples of one timing may hold (all are queued before one await). */
const QUEUED_BYTES_BUDGET = 16 * 2 ** 30;

/** Rounds of the host timing (its median). */
const HOST_ROUNDS = 3;

/**
 * Bytes of the tensors created while `fn` runs and still alive once the work it recorded is
 * submitted (temporaries are back in the pool by then): what `fn` keeps.
 */
function keptBytes(device: GPUDevice, fn: () => void): number {
  const before = memoryInfo(device).liveBytes;
  fn();
  flush(device);
  return memoryInfo(device).liveBytes - before;
}

function randomTensor(device: GPUDevice, shape: number[], dtype: DType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromArraySync(
    device,
    Float32Array.from({ length: n }, () => Math.random() * 2 - 1),
    shape,
    dtype,
  );
}

/** Frees every tensor of a vjp and its gradients. */
function runBackward(subject: Subject, x: Tensor, dy: Tensor): void {
  const f = subject.vjp(x);
  const grads = f.pullback(dy);
  grads.dx.destroy();
  for (const g of grads.parameters.values()) g.destroy();
  f.dispose();
  f.output.destroy();
}

async function benchCase(
  device: GPUDevice,
  name: string,
  make: Make,
  shapeName: string,
  s: LayerShape,
  dtype: DType,
  maxSamples: number,
  probe: ClockProbe | undefined,
  breakdown: boolean,
): Promise<Row> {
  const subject = make(device, dtype, s);
  const C = s.heads * s.headDim;
  const x = randomTensor(device, [s.batch, tokens(s), C], dtype);
  const dy = randomTensor(device, [s.batch, tokens(s), C], dtype);
  try {
    // warm-up: compiles every pipeline outside the timed windows
    subject.forward(x).destroy();
    runBackward(subject, x, dy);
    let kept: LayerVjp | undefined;
    const vjpKeepsBytes = keptBytes(device, () => kept = subject.vjp(x));
    kept!.dispose();
    kept!.output.destroy();
    flush(device);
    await device.queue.onSubmittedWorkDone();
    // a fwd+bwd sample holds about twice what the vjp keeps until its work has run
    const samples = Math.max(
      3,
      Math.min(maxSamples, Math.floor(QUEUED_BYTES_BUDGET / (2 * vjpKeepsBytes))),
    );
    // Each sample is submitted at its end, so its buffers can be freed once it has run. On a GPU
    // each set of samples follows ≈ 200 ms of keeping the GPU busy with the same work and ≈ 25 ms
    // of untimed launches, as the profiler's (bench/measure.ts): after the compiles and awaits
    // above the H200 ran these layers up to 4× slow, forward slower than forward+backward
    // (bench/NOTES.md, session 11, call 7).
    const forwardWork = () => {
      subject.forward(x).destroy();
      flush(device);
    };
    const bothWork = () => {
      runBackward(subject, x, dy);
      flush(device);
    };
    // On a GPU the profiler's clock probe runs between the samples (bench/clock_probe.ts): a
    // set of samples it finds slowed is measured again (on the H200 one layer read 3.6 ms in
    // one run and 8.4 in the next, bench/NOTES.md, session 11, calls 8–9).
    const timed = async (work: () => void) => {
      if (!probe) {
        return { time: quantiles(await timeGpu(device, work, samples)), clock: undefined };
      }
      return await timeWarmedProbed(device, work, probe, samples);
    };
    const forward = await timed(forwardWork);
    const both = await timed(bothWork);
    const hostMs = {
      forward: (await hostMsPerLaunch(device, forwardWork, samples, HOST_ROUNDS)).record,
      forwardBackward: (await hostMsPerLaunch(device, bothWork, samples, HOST_ROUNDS)).record,
    };
    const kernels = breakdown
      ? {
        forward: await timeKernels(device, forwardWork),
        forwardBackward: await timeKernels(device, bothWork),
      }
      : undefined;
    return {
      layer: name,
      shape: shapeName,
      dtype,
      B: s.batch,
      heads: s.heads,
      headDim: s.headDim,
      tokens: `${s.height}×${s.width}`,
      forwardMs: forward.time,
      forwardBackwardMs: both.time,
      clock: probe && Math.min(forward.clock!, both.clock!),
      vjpKeepsBytes,
      vjpKeepsInputs: vjpKeepsBytes / x.byteLength,
      samples,
      hostMs,
      kernels,
    };
  } finally {
    subject.layer.dispose();
    x.destroy();
    dy.destroy();
    flush(device);
    await device.queue.onSubmittedWorkDone();
  }
}

const fmtMs = (q: { p20: number; p50: number; p80: number }) =>
  `${q.p50.toFixed(3)} (${q.p20.toFixed(3)}–${q.p80.toFixed(3)})`;

/** The rows as a markdown table. */
export function markdownTable(rows: readonly Row[]): string {
  const head = "| layer | shape | dtype | B | heads | hd | tokens | forward ms | fwd+bwd ms | " +
    "host ms (fwd / fwd+bwd) | vjp keeps (× x) | samples | clock |\n" +
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|";
  // "!": the host took longer than the GPU's median (the GPU waited for it).
  const host = (ms: number, gpu: number) => `${ms.toFixed(3)}${ms > gpu ? " !" : ""}`;
  const lines = rows.map((r) =>
    `| ${r.layer} | ${r.shape} | ${r.dtype} | ${r.B} | ${r.heads} | ${r.headDim} | ${r.tokens} | ` +
    `${fmtMs(r.forwardMs)} | ${fmtMs(r.forwardBackwardMs)} | ` +
    `${host(r.hostMs.forward, r.forwardMs.p50)} / ` +
    `${host(r.hostMs.forwardBackward, r.forwardBackwardMs.p50)} | ` +
    `${(r.vjpKeepsBytes / 2 ** 20).toFixed(1)} MiB (${
      r.vjpKeepsInputs.toFixed(1)
    }) | ${r.samples} | ${clockCell(r.clock)} |`
  );
  return [head, ...lines].join("\n");
}

/** The `--breakdown` rows as a markdown table: each case's kernels, largest first, with shares. */
export function breakdownTable(rows: readonly Row[]): string {
  const head = "| layer | shape | dtype | mode | kernel | dispatches | GPU ms | share |\n" +
    "|---|---|---|---|---|---|---|---|";
  const lines = rows.flatMap((r) =>
    (["forward", "forwardBackward"] as const).flatMap((mode) => {
      const kernels = [...(r.kernels?.[mode] ?? [])].sort((a, b) => b.ms - a.ms);
      const sum = kernels.reduce((a, k) => a + k.ms, 0);
      return kernels.map((k) =>
        `| ${r.layer} | ${r.shape} | ${r.dtype} | ${mode === "forward" ? "fwd" : "fwdbwd"} | ` +
        `${k.name} | ${k.dispatches} | ${k.ms.toFixed(3)} | ${(100 * k.ms / sum).toFixed(1)} % |`
      );
    })
  );
  return [head, ...lines].join("\n");
}

/** The usage text of `deno task bench:layers --help`. */
export const LAYERS_USAGE = `Usage: deno task bench:layers [options]

  --dtype LIST    f32, f16 or f32,f16 (default f32,f16; f16 only where the adapter has it)
  --shapes LIST   selftest, highres or both (default selftest,highres)
  --only NAME     only the layers whose name contains NAME (case-insensitive), e.g. mamba
  --samples N     timed samples per case (default 10; 3 on a CPU adapter)
  --full          the real shapes on a CPU adapter too (slow)
  --breakdown     also run each case once with every dispatch timed on its own and print,
                  after the table, the GPU time per kernel (in --json, each row's "kernels")
  --json          print one JSON document instead of the table
  -h, --help      this text
`;

/** Parsed `bench:layers` flags. */
export interface LayersBenchOptions {
  dtypes: DType[];
  shapes: ("selftest" | "highres")[];
  only?: string;
  samples?: number;
  full: boolean;
  breakdown: boolean;
  json: boolean;
}

/** Parses the `bench:layers` command line; a `UsageError` names the bad flag. */
export function parseLayersBenchArgs(args: string[]): LayersBenchOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      dtype: { type: "string", default: "f32,f16" },
      shapes: { type: "string", default: "selftest,highres" },
      only: { type: "string" },
      samples: { type: "string" },
      full: { type: "boolean", default: false },
      breakdown: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const list = <T extends string>(value: string, allowed: readonly T[], flag: string) =>
    value.split(",").map((v) => oneOf(v.trim(), allowed, flag));
  const only = values.only?.toLowerCase();
  if (only !== undefined && !Object.keys(LAYERS).some((n) => n.toLowerCase().includes(only))) {
    throw new UsageError(
      `--only: no layer name contains "${values.only}" (layers: ${Object.keys(LAYERS).join(", ")})`,
    );
  }
  return {
    dtypes: list(values.dtype, ["f32", "f16"] as const, "--dtype"),
    shapes: list(values.shapes, ["selftest", "highres"] as const, "--shapes"),
    only: values.only,
    samples: values.samples === undefined ? undefined : positiveInt(values.samples, "--samples"),
    full: values.full,
    breakdown: values.breakdown,
    json: values.json,
  };
}

async function main(values: LayersBenchOptions): Promise<number> {
  const device = await requestDevice();
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const cpu = !info || isCpuAdapter(info);
  const tiny = cpu && !values.full;
  const samples = values.samples ?? (tiny ? 3 : 10);
  const dtypes = values.dtypes.filter((d) => d === "f32" || device.features.has("shader-f16"));
  using probe = cpu ? undefined : await clockProbe(device, false);
  const rows: Row[] = [];
  for (const [name, { make, selftest }] of Object.entries(LAYERS)) {
    if (values.only && !name.toLowerCase().includes(values.only.toLowerCase())) continue;
    for (const [shapeName, shape] of Object.entries(shapesOf(selftest, tiny))) {
      if (!values.shapes.includes(shapeName as "selftest")) continue;
      for (const dtype of dtypes) {
        const row = await benchCase(
          device,
          name,
          make,
          shapeName,
          shape,
          dtype,
          samples,
          probe,
          values.breakdown,
        );
        rows.push(row);
        if (!values.json) {
          console.error(
            `${name} ${shapeName} ${dtype}: fwd ${fmtMs(row.forwardMs)} ms, ` +
              `fwd+bwd ${fmtMs(row.forwardBackwardMs)} ms`,
          );
        }
      }
    }
  }
  const adapter = info ? adapterName(info) : "unknown adapter";
  if (values.json) {
    console.log(JSON.stringify({ adapter, tiny, samples, rows }, null, 2));
  } else {
    console.log(
      `\n${adapter}${tiny ? " (CPU adapter: tiny shapes; --full for the real ones)" : ""}, ` +
        `median (p20–p80) of up to ${samples} samples\n`,
    );
    console.log(markdownTable(rows));
    if (values.breakdown) {
      console.log(
        "\nPer kernel (one run, each dispatch in its own timed pass), largest first:\n",
      );
      console.log(breakdownTable(rows));
    }
  }
  device.destroy();
  return 0;
}

if (import.meta.main) {
  await runCli("deno task bench:layers", LAYERS_USAGE, Deno.args, parseLayersBenchArgs, main);
}
