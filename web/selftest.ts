/**
 * The page's self-test (`window.runSelfTest()`): runs the package's ops and a layer on the
 * browser's GPU at odd sizes, forward and backward, and compares them with the float64
 * references by relative RMS error (f32 ≤ 1e-5, f16 ≤ 2e-3; f16 references see the
 * f16-rounded inputs). Fresh random inputs on every run; outputs NaN-poisoned.
 * @module
 */
import type * as FlashBla from "./lib.ts";
import {
  type CheckResult,
  type Lib,
  positiveFeatures,
  randn,
  relRms,
  rng,
  tolFor,
  upload,
} from "./check_helpers.ts";
import { checkLayer } from "./layer_check.ts";

export type { CheckResult, Lib } from "./check_helpers.ts";

type Tensor = FlashBla.Tensor;
type DType = FlashBla.DType;

/** What {@linkcode runSelfTest} returns. */
export interface SelfTestReport {
  /** Device features. */
  features: string[];
  /** Seed of the random inputs (printed so a failure can be reproduced). */
  seed: number;
  /** Every comparison. */
  checks: CheckResult[];
  /** Whether every check passed. */
  ok: boolean;
  /** Wall-clock time of the whole self-test in ms. */
  ms: number;
}

/** Compares GPU tensors with float64 references, one CheckResult per named quantity. */
async function compare(
  name: string,
  dtype: DType,
  pairs: Record<string, [Tensor, ArrayLike<number>]>,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [quantity, [tensor, ref]] of Object.entries(pairs)) {
    const error = relRms(await tensor.read(), ref);
    out.push({ name, dtype, quantity, error, tol: tolFor(dtype), ok: error <= tolFor(dtype) });
  }
  return out;
}

/** Input → gradient signature shared by linearAttention and scaledDotProductAttention. */
type AttentionVjp = Lib["linearAttention"]["vjp"];

/** A float64 reference returning the output and the input gradients for upstream `dO`. */
type AttentionReference = (
  q: { data: ArrayLike<number>; shape: number[] },
  k: { data: ArrayLike<number>; shape: number[] },
  v: { data: ArrayLike<number>; shape: number[] },
  dO: ArrayLike<number>,
) => {
  output: ArrayLike<number>;
  dq: ArrayLike<number>;
  dk: ArrayLike<number>;
  dv: ArrayLike<number>;
};

/** How one attention op is checked: its vjp, its reference and how q, k are drawn. */
interface AttentionCase {
  name: string;
  vjp: AttentionVjp;
  reference: AttentionReference;
  /** Draws q and k (positive features for linear attention). */
  features: (n: number, random: () => number) => Float64Array<ArrayBuffer>;
}

/** The attention ops the self-test checks. */
function attentionCases(lib: Lib): AttentionCase[] {
  return [
    {
      name: "linearAttention",
      vjp: lib.linearAttention.vjp,
      reference: lib.reference.linearAttentionReferenceGrads,
      features: positiveFeatures,
    },
    {
      name: "scaledDotProductAttention",
      vjp: lib.scaledDotProductAttention.vjp,
      reference: lib.reference.sdpaReference,
      features: randn,
    },
  ];
}

/** One attention op forward and backward at odd sizes against its exact float64 gradients. */
async function checkAttention(
  lib: Lib,
  device: GPUDevice,
  dtype: DType,
  random: () => number,
  op: AttentionCase,
): Promise<CheckResult[]> {
  const shape = [2, 3, 37, 13]; // B, H, T, D: odd on purpose
  const n = shape.reduce((a, b) => a * b, 1);
  const q = await upload(lib, device, op.features(n, random), shape, dtype);
  const k = await upload(lib, device, op.features(n, random), shape, dtype);
  const v = await upload(lib, device, randn(n, random), shape, dtype);
  const dO = await upload(lib, device, randn(n, random), shape, dtype);
  const step = op.vjp(q.tensor, k.tensor, v.tensor);
  const { dq, dk, dv } = step.pullback(dO.tensor);
  const ref = op.reference(
    { data: q.values, shape },
    { data: k.values, shape },
    { data: v.values, shape },
    dO.values,
  );
  const results = await compare(`${op.name} [${shape.join(", ")}]`, dtype, {
    output: [step.output, ref.output],
    dq: [dq, ref.dq],
    dk: [dk, ref.dk],
    dv: [dv, ref.dv],
  });
  step.dispose();
  for (const t of [q, k, v, dO].map((u) => u.tensor).concat(step.output, dq, dk, dv)) {
    t.destroy();
  }
  return results;
}

/**
 * Runs every check on a fresh device with output poisoning on: linearAttention and
 * scaledDotProductAttention forward and backward (f32, and f16 when the device has
 * `shader-f16`), and LinFusion's attention layer forward and backward (f32).
 */
export async function runSelfTest(lib: Lib): Promise<SelfTestReport> {
  const start = performance.now();
  const device = await lib.requestDevice();
  lib.setPoisonOutputs(device, true);
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const random = rng(seed);
  const dtypes: DType[] = device.features.has("shader-f16") ? ["f32", "f16"] : ["f32"];
  const checks: CheckResult[] = [];
  for (const dtype of dtypes) {
    for (const op of attentionCases(lib)) {
      checks.push(...await checkAttention(lib, device, dtype, random, op));
    }
  }
  checks.push(...await checkLayer(lib, device, random));
  device.destroy();
  return {
    features: [...device.features].sort(),
    seed,
    checks,
    ok: checks.every((c) => c.ok),
    ms: performance.now() - start,
  };
}
