/**
 * `deno task train-demo`: fits a small `MambaLikeLinearAttention` (MLLA) on a 16×16 token grid
 * to a fixed random target with Adam, entirely on the GPU (forward, MSE loss and its gradient,
 * backward, fused optimizer update), printing the loss every few steps. Exits non-zero unless
 * the loss falls to `--max-ratio` of its initial value.
 *
 * The target is the output of a second MLLA with other random weights on the same fixed
 * random input: a random target the student can reach, so the loss can fall far.
 *
 * Flags: `deno task train-demo --help` (TRAIN_DEMO_USAGE); the sizes default by adapter (small
 * on a CPU adapter).
 * @module
 */
import { parseArgs } from "node:util";
import {
  Adam,
  type DType,
  MambaLikeLinearAttention,
  mseLoss,
  requestDevice,
  Tensor,
} from "../mod.ts";
import { oneOf, positiveInt, positiveNumber, runCli, UsageError } from "../bench/cli.ts";
import { isCpuAdapter } from "../bench/adapter.ts";

/** Options of {@linkcode trainDemo}. */
export interface TrainDemoOptions {
  /** The device to train on. */
  device: GPUDevice;
  /** Optimizer steps. */
  steps: number;
  /** Read and report the loss every this many steps (and after the last). */
  logEvery: number;
  /** Adam's learning rate. */
  lr: number;
  /** Channels C of the layer. */
  dim: number;
  /** Attention heads (C/heads must be even; C divisible by 4). */
  heads: number;
  /** Batch size. */
  batch: number;
  /** Storage dtype of parameters and activations. */
  dtype: DType;
  /** Called with each reported `(step, loss)`. */
  report?: (step: number, loss: number) => void;
}

/** Token grid of the demo. */
export const GRID = 16;

function randomNormal(n: number, seed: number): Float32Array<ArrayBuffer> {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0; // mulberry32
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return Float32Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
}

/**
 * Trains the demo and returns the reported losses (`[step, loss]`, step 0 = before any update).
 *
 * @example
 * ```ts
 * import { requestDevice } from "../mod.ts";
 * import { trainDemo } from "./train_demo.ts";
 * const device = await requestDevice();
 * const losses = await trainDemo({
 *   device, steps: 20, logEvery: 10, lr: 0.01, dim: 16, heads: 2, batch: 1, dtype: "f32",
 * });
 * console.log(losses); // the loss falls
 * ```
 */
export async function trainDemo(options: TrainDemoOptions): Promise<[number, number][]> {
  const { device, steps, logEvery, lr, dim, heads, batch, dtype } = options;
  const layerOptions = { dim, inputResolution: [GRID, GRID] as [number, number], numHeads: heads };
  const grid = { height: GRID, width: GRID };
  const shape = [batch, GRID * GRID, dim];
  using x = Tensor.fromArraySync(device, randomNormal(batch * GRID * GRID * dim, 7), shape, dtype);
  using student = new MambaLikeLinearAttention({ ...layerOptions, device, dtype, seed: 1 });
  using target = (() => {
    using teacher = new MambaLikeLinearAttention({ ...layerOptions, device, dtype, seed: 2 });
    return teacher.forward(x, grid);
  })();
  using adam = new Adam(student.trainableParameters(), { lr });
  const losses: [number, number][] = [];
  for (let step = 0; step <= steps; step++) {
    using f = student.vjp(x, grid);
    const { loss, grad } = mseLoss(f.output, target);
    using _loss = loss, _grad = grad, _output = f.output;
    if (step % logEvery === 0 || step === steps) {
      const value = (await loss.read())[0];
      losses.push([step, value]);
      options.report?.(step, value);
    }
    if (step === steps) break;
    const grads = f.pullback(grad);
    adam.step(grads.parameters);
    grads.dx.destroy();
    for (const g of grads.parameters.values()) g.destroy();
  }
  return losses;
}

/** The usage text of `deno task train-demo --help`. */
export const TRAIN_DEMO_USAGE = `Usage: deno task train-demo [options]

Fits a small MambaLikeLinearAttention on a 16×16 token grid to a random target with Adam, on
the GPU; exits 1 unless the final loss is at most --max-ratio of the initial one.

  --steps N       optimizer steps (default 300)
  --log-every N   report the loss every N steps (default 25)
  --lr X          Adam's learning rate (default 0.01)
  --dim C         channels, a multiple of 4 (default 256; 16 on a CPU adapter)
  --heads N       heads, C/heads even (default 8; 2 on a CPU adapter)
  --batch N       batch size (default 8; 1 on a CPU adapter)
  --dtype D       f32 or f16 (default f32)
  --max-ratio X   the final/initial loss that counts as success (default 0.1)
  -h, --help      this text
`;

/** Parsed train-demo flags; the adapter fills in what is `undefined`. */
export interface TrainDemoFlags {
  steps: number;
  logEvery: number;
  lr: number;
  dim?: number;
  heads?: number;
  batch?: number;
  dtype: DType;
  maxRatio: number;
}

/** Parses the train-demo command line; a `UsageError` names the bad flag. */
export function parseTrainDemoArgs(args: string[]): TrainDemoFlags {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      steps: { type: "string", default: "300" },
      "log-every": { type: "string", default: "25" },
      lr: { type: "string", default: "0.01" },
      dim: { type: "string" },
      heads: { type: "string" },
      batch: { type: "string" },
      dtype: { type: "string", default: "f32" },
      "max-ratio": { type: "string", default: "0.1" },
    },
  });
  const optionalInt = (value: string | undefined, flag: string) =>
    value === undefined ? undefined : positiveInt(value, flag);
  const flags: TrainDemoFlags = {
    steps: positiveInt(values.steps, "--steps"),
    logEvery: positiveInt(values["log-every"], "--log-every"),
    lr: positiveNumber(values.lr, "--lr"),
    dim: optionalInt(values.dim, "--dim"),
    heads: optionalInt(values.heads, "--heads"),
    batch: optionalInt(values.batch, "--batch"),
    dtype: oneOf<DType>(values.dtype, ["f32", "f16"], "--dtype"),
    maxRatio: positiveNumber(values["max-ratio"], "--max-ratio"),
  };
  const { dim, heads } = flags;
  if (dim !== undefined && dim % 4 !== 0) {
    throw new UsageError(`--dim: expected a multiple of 4, got ${dim}`);
  }
  if (dim !== undefined && heads !== undefined && (dim % heads !== 0 || (dim / heads) % 2)) {
    throw new UsageError(`--heads: --dim/--heads must be an even integer, got ${dim}/${heads}`);
  }
  return flags;
}

/** Whether `device` runs on a CPU adapter (then the demo trains a small model). */
function onCpuAdapter(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return !info || isCpuAdapter(info);
}

async function main(flags: TrainDemoFlags): Promise<number> {
  const device = await requestDevice();
  if (flags.dtype === "f16" && !device.features.has("shader-f16")) {
    console.error("error: --dtype f16 needs the shader-f16 feature, which this adapter lacks");
    console.error("hint: --dtype f32");
    return 2;
  }
  const cpu = onCpuAdapter(device);
  const config = {
    device,
    steps: flags.steps,
    logEvery: flags.logEvery,
    lr: flags.lr,
    dim: flags.dim ?? (cpu ? 16 : 256),
    heads: flags.heads ?? (cpu ? 2 : 8),
    batch: flags.batch ?? (cpu ? 1 : 8),
    dtype: flags.dtype,
  };
  console.log(
    `MLLA ${GRID}×${GRID} tokens, C ${config.dim}, ${config.heads} heads, batch ${config.batch}, ` +
      `${config.dtype}, Adam lr ${config.lr}, ${config.steps} steps${cpu ? " (CPU adapter)" : ""}`,
  );
  const start = performance.now();
  const losses = await trainDemo({
    ...config,
    report: (step, loss) =>
      console.log(`step ${String(step).padStart(4)}  loss ${loss.toExponential(4)}`),
  });
  const seconds = (performance.now() - start) / 1000;
  const ratio = losses[losses.length - 1][1] / losses[0][1];
  console.log(`final/initial loss ${ratio.toExponential(3)} in ${seconds.toFixed(1)} s`);
  device.destroy();
  if (!(ratio <= flags.maxRatio)) {
    console.error(`FAIL: the loss ratio ${ratio} is above --max-ratio ${flags.maxRatio}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  await runCli("deno task train-demo", TRAIN_DEMO_USAGE, Deno.args, parseTrainDemoArgs, main);
}
