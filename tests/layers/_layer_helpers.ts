/**
 * Helpers of the layer tests: f32-rounded random inputs and parameters, GPU upload, and
 * gradients of the float64 references by central finite differences.
 */
import { Tensor } from "../../ops/_runtime/mod.ts";
import { type ParamSpec, randomParameters, type StateDict } from "../../layers/_params.ts";
import type { F64 } from "../../layers/reference/primitives.ts";
import { assertClose, randn, rng } from "../_helpers.ts";

/** Values rounded to float32, kept as float64 (what an f32 GPU tensor holds exactly). */
export function f32Rounded(values: ArrayLike<number>): F64 {
  return Float64Array.from(values, Math.fround);
}

/** Random parameters for `specs` (fresh seed), rounded to f32, as a state dict and f64 map. */
export function randomState(specs: readonly ParamSpec[], seed: number) {
  const dict: StateDict = randomParameters(specs, seed);
  for (const t of dict.values()) t.data = f32Rounded(t.data);
  const f64 = new Map([...dict].map(([k, t]) => [k, t.data as F64]));
  return { dict, f64 };
}

/** Standard normal data rounded to f32, and its tensor. */
export function randomInput(device: GPUDevice, shape: number[], seed: number, scaleBy = 1) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = f32Rounded(randn(n, rng(seed)).map((v) => v * scaleBy));
  return { data, tensor: Tensor.fromArraySync(device, data, shape) };
}

/** Reference gradients of `Σ f(params, x) ⊙ dy` with respect to x and every named parameter. */
export interface FdGrads {
  dx: F64;
  dEncoder?: F64;
  params: Map<string, F64>;
}

/**
 * Central finite differences (step `h·max(1, |θ|)`) of `loss = Σ f(params, x, e) ⊙ dy`, for
 * x, the optional second input e and every parameter in `names`. f64 throughout: the
 * truncation error is O(h²) ≈ 1e-10 relative.
 */
export function finiteDifferences(
  f: (params: Map<string, F64>, x: F64, e?: F64) => F64,
  params: Map<string, F64>,
  x: F64,
  dy: F64,
  names: readonly string[],
  e?: F64,
  h = 1e-5,
): FdGrads {
  const loss = () => {
    const y = f(params, x, e);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
    return s;
  };
  const differentiate = (arr: F64): F64 => {
    const g = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i], step = h * Math.max(1, Math.abs(v));
      arr[i] = v + step;
      const up = loss();
      arr[i] = v - step;
      const down = loss();
      arr[i] = v;
      g[i] = (up - down) / (2 * step);
    }
    return g;
  };
  return {
    dx: differentiate(x),
    ...(e ? { dEncoder: differentiate(e) } : {}),
    params: new Map(names.map((n) => [n, differentiate(params.get(n)!)])),
  };
}

/** A GPU layer as the image-layer tests drive it. */
export interface ImageLayerUnderTest {
  specs: readonly ParamSpec[];
  forward(x: Tensor, o: { height: number; width: number }): Tensor;
  vjp(x: Tensor, o: { height: number; width: number }): {
    output: Tensor;
    pullback(dy: Tensor): { dx: Tensor; parameters: Map<string, Tensor> };
    dispose(): void;
  };
  dispose(): void;
}

/**
 * Checks an image layer `[B, H·W, C]` against its float64 reference: forward (rel. RMS ≤ 1e-4)
 * and the gradients of the input and of every parameter against central finite differences
 * of the reference (≤ 1e-4). `make` builds the layer from a state dict; `tweak` may edit the
 * random parameters in place first.
 */
export async function checkImageLayer(
  device: GPUDevice,
  specs: readonly ParamSpec[],
  make: (dict: StateDict) => ImageLayerUnderTest,
  reference: (params: Map<string, F64>, x: F64) => F64,
  shape: { batch: number; height: number; width: number; channels: number },
  tweak: (dict: StateDict) => void = () => {},
): Promise<void> {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const { batch: B, height, width, channels: C } = shape;
  const { dict, f64 } = randomState(specs, seed);
  tweak(dict); // edits the arrays f64 shares
  const layer = make(dict);
  const x = randomInput(device, [B, height * width, C], seed + 1);
  const dy = randomInput(device, [B, height * width, C], seed + 2);
  try {
    const ref = reference(f64, x.data);
    const y = layer.forward(x.tensor, { height, width });
    assertClose(await y.read(), ref, 1e-4, `forward (seed ${seed})`);
    y.destroy();
    const vjp = layer.vjp(x.tensor, { height, width });
    assertClose(await vjp.output.read(), ref, 1e-4, `vjp output (seed ${seed})`);
    const grads = vjp.pullback(dy.tensor);
    const trainable = specs.filter((s) => s.role !== "rotations").map((s) => s.name);
    if ([...grads.parameters.keys()].join() !== trainable.join()) {
      throw new Error(`gradient names ${[...grads.parameters.keys()]} ≠ ${trainable}`);
    }
    const fd = finiteDifferences((p, xd) => reference(p, xd), f64, x.data, dy.data, trainable);
    assertClose(await grads.dx.read(), fd.dx, 1e-4, `dx (seed ${seed})`);
    for (const n of trainable) {
      assertClose(
        await grads.parameters.get(n)!.read(),
        fd.params.get(n)!,
        1e-4,
        `d ${n} (seed ${seed})`,
      );
    }
    for (const t of [grads.dx, ...grads.parameters.values(), vjp.output]) t.destroy();
    vjp.dispose();
  } finally {
    layer.dispose();
    x.tensor.destroy();
    dy.tensor.destroy();
  }
}
