/**
 * Shared test cases for the linear-attention family: random inputs in either layout, f16
 * rounding for the references, and GPU-vs-reference comparison of outputs and gradients.
 */
import { deviceContext, type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { linearAttentionReferenceGrads } from "../../ops/linear_attention/reference.ts";
import { assertClose, eluPlusOne, freshSeed, randn, rng, roundToF16, tolFor } from "../_helpers.ts";

/** Sizes, dtype and layout of one dense case. */
export interface Case {
  B: number;
  H: number;
  lq: number;
  lk: number;
  dk: number;
  dv: number;
  dtype: DType;
  layout: "BHTD" | "BTHD";
}

/** Short label for failures, e.g. `B2 H3 Lq63 Lk63 dk60 dv64 f32 BHTD seed 123`. */
export function label(c: Case, seed: number): string {
  return `B${c.B} H${c.H} Lq${c.lq} Lk${c.lk} dk${c.dk} dv${c.dv} ${c.dtype} ${c.layout} seed ${seed}`;
}

/** Shape of a [B, H, T, D] tensor in the case's layout. */
export function shapeOf(c: Case, T: number, D: number): number[] {
  return c.layout === "BHTD" ? [c.B, c.H, T, D] : [c.B, T, c.H, D];
}

/** A random host array (rounded to f16 when the case is f16) and its GPU tensor. */
export interface Input {
  data: Float64Array<ArrayBuffer>;
  shape: number[];
  tensor: Tensor;
}

/** Random inputs: positive features (elu+1) or standard normal values. */
export function makeInput(
  device: GPUDevice,
  c: Case,
  T: number,
  D: number,
  random: () => number,
  kind: "features" | "normal",
): Input {
  const shape = shapeOf(c, T, D);
  const n = shape.reduce((a, b) => a * b, 1);
  let data = kind === "features" ? eluPlusOne(n, random) : randn(n, random);
  if (c.dtype === "f16") data = roundToF16(data);
  return { data, shape, tensor: Tensor.fromArraySync(device, data, shape, c.dtype) };
}

/** A fresh seed and its generator. */
export function seeded(): { seed: number; random: () => number } {
  const seed = freshSeed();
  return { seed, random: rng(seed) };
}

/** Reads each tensor and checks it against its reference at the dtype's tolerance. */
export async function compare(
  c: Case,
  seed: number,
  pairs: Record<string, [Tensor, ArrayLike<number>]>,
  tol = tolFor(c.dtype),
): Promise<void> {
  for (const [what, [t, ref]] of Object.entries(pairs)) {
    assertClose(await t.read(), ref, tol, `${what} (${label(c, seed)})`);
  }
}

/** Runs forward + backward on fresh inputs and checks o, dq, dk, dv against the reference. */
export async function checkLinearAttention(
  device: GPUDevice,
  c: Case,
  options: { scale?: number; eps?: number } = {},
): Promise<void> {
  const { seed, random } = seeded();
  const q = makeInput(device, c, c.lq, c.dk, random, "features");
  const k = makeInput(device, c, c.lk, c.dk, random, "features");
  const v = makeInput(device, c, c.lk, c.dv, random, "normal");
  const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
  const opts = { ...options, layout: c.layout };
  using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
  const g = f.pullback(dO.tensor);
  const ref = linearAttentionReferenceGrads(q, k, v, dO.data, opts);
  await compare(c, seed, {
    o: [f.output, ref.output],
    dq: [g.dq, ref.dq],
    dk: [g.dk, ref.dk],
    dv: [g.dv, ref.dv],
  });
  for (const t of [q, k, v, dO]) t.tensor.destroy();
  for (const t of [f.output, g.dq, g.dk, g.dv]) t.destroy();
}

/** The pipeline labels (name:constants) dispatched while `fn` runs on `dev`. */
export async function recording(dev: GPUDevice, fn: () => Promise<void>): Promise<string[]> {
  const recorder = deviceContext(dev).recorder;
  const dispatch = recorder.dispatch;
  const launched: string[] = [];
  recorder.dispatch = (name, pipeline, ...rest) => {
    launched.push(pipeline.label);
    return dispatch.call(recorder, name, pipeline, ...rest);
  };
  try {
    await fn();
  } finally {
    recorder.dispatch = dispatch;
  }
  return launched;
}
