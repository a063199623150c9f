/**
 * Self-test of one paper layer in the browser: LinFusion's `GeneralizedLinearAttention`
 * (docs/math.md §6.1) forward against its float64 reference, and every gradient (dx and each trainable parameter)
 * against central finite differences of that reference along a random direction.
 * @module
 */
import { generalizedLinearAttentionRef } from "../layers/reference/linfusion.ts";
import { type CheckResult, type Lib, randn, relRms, tolFor } from "./check_helpers.ts";

type F64 = Float64Array<ArrayBuffer>;

/**
 * Error of a gradient `g` along the direction `u ~ N(0, I)`: `|⟨g, u⟩ − D_u L| / ‖g‖`, with
 * `D_u L` the f64 central difference of the loss. Since `E⟨g, u⟩² = ‖g‖²`, this is on the scale
 * of a relative RMS error of `g`; a non-finite or zero gradient gives Infinity.
 */
export function directionalError(
  g: ArrayLike<number>,
  u: ArrayLike<number>,
  derivative: number,
): number {
  let dot = 0, norm = 0;
  for (let i = 0; i < g.length; i++) {
    dot += g[i] * u[i];
    norm += g[i] * g[i];
  }
  const err = Math.abs(dot - derivative) / Math.sqrt(norm);
  return Number.isFinite(err) ? err : Infinity;
}

/**
 * `(L(θ + h·u) − L(θ − h·u)) / 2h` for `loss` evaluated with θ replaced in place. h is small
 * (f64 round-off ≈ 1e-16 / h stays far below the tolerance) so that a step rarely crosses a
 * LeakyReLU kink of the layer's MLP (with h = 1e-5 one run in four failed here).
 */
function centralDifference(theta: F64, u: ArrayLike<number>, loss: () => number, h = 1e-7) {
  const saved = theta.slice();
  const at = (s: number) => {
    for (let i = 0; i < theta.length; i++) theta[i] = saved[i] + s * h * u[i];
    return loss();
  };
  const d = (at(1) - at(-1)) / (2 * h);
  theta.set(saved);
  return d;
}

/**
 * LinFusion's attention at odd sizes (batch 2, 13 tokens, 10 channels = 2 heads of 5, a
 * projection MLP of width 7, all biases), f32.
 */
export async function checkLayer(
  lib: Lib,
  device: GPUDevice,
  random: () => number,
): Promise<CheckResult[]> {
  const [batch, tokens, queryDim] = [2, 13, 10];
  const layer = new lib.GeneralizedLinearAttention({
    queryDim,
    heads: 2,
    dimHead: 5,
    projectionMidDim: 7,
    bias: true,
    device,
    seed: (random() * 2 ** 31) | 0,
  });
  const name = `GeneralizedLinearAttention [${batch}, ${tokens}, ${queryDim}]`;
  const x = lib.Tensor.fromArraySync(device, randn(batch * tokens * queryDim, random), [
    batch,
    tokens,
    queryDim,
  ]);
  const step = layer.vjp(x);
  const dy = lib.Tensor.fromArraySync(
    device,
    randn(step.output.size, random),
    step.output.shape,
  );
  const grads = step.pullback(dy);
  try {
    // References see exactly the stored f32 values.
    const xs = Float64Array.from(await x.read()), dys = Float64Array.from(await dy.read());
    const params = new Map<string, F64>();
    for (const [key, t] of await layer.stateDict()) params.set(key, Float64Array.from(t.data));
    const forward = () => generalizedLinearAttentionRef(layer.config, params, xs, batch);
    const loss = () => forward().reduce((s, y, i) => s + y * dys[i], 0);
    const tol = tolFor("f32");
    const result = (quantity: string, error: number): CheckResult => ({
      name,
      dtype: "f32",
      quantity,
      error,
      tol,
      ok: error <= tol,
    });
    const out = [result("output", relRms(await step.output.read(), forward()))];
    const gradients: [string, F64, ArrayLike<number>][] = [["dx", xs, await grads.dx.read()]];
    for (const [key, g] of grads.parameters) {
      gradients.push([`d${key}`, params.get(key)!, await g.read()]);
    }
    for (const [quantity, theta, g] of gradients) {
      const u = randn(theta.length, random);
      out.push(
        result(
          `${quantity} (directional)`,
          directionalError(g, u, centralDifference(theta, u, loss)),
        ),
      );
    }
    return out;
  } finally {
    step.dispose();
    for (const t of [x, dy, step.output, grads.dx, ...grads.parameters.values()]) t.destroy();
    layer.dispose();
  }
}
