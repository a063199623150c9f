/**
 * The f64 references' backward formulas checked by central finite differences of their own
 * forward (CPU only): the GPU tests compare against these gradients, so they must be right.
 */
import { freshSeed, randn, relRms, rng } from "../_helpers.ts";
import {
  activationGradRef,
  activationRef,
  binaryGradRef,
  binaryRef,
  depthwiseConv2dGradRef,
  depthwiseConv2dRef,
  interpolateTokensRef,
  layerNormGradRef,
  layerNormRef,
  type RefActivation,
  type RefBinary,
  rope2dRef,
  softmaxRef,
  spatialReductionConvRef,
} from "../../ops/nn/reference.ts";
import { rope2dRotationsData } from "../../ops/nn/rope2d.ts";

type F64 = Float64Array<ArrayBuffer>;

// d/dx_i of Σ dy ⊙ f(x), by central differences.
function numericGrad(f: (x: F64) => F64, x: F64, dy: F64, h = 1e-6): F64 {
  return x.map((_, i) => {
    const plus = x.slice(), minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    const fp = f(plus), fm = f(minus);
    return fp.reduce((s, v, j) => s + dy[j] * (v - fm[j]), 0) / (2 * h);
  });
}

function expectGrad(analytic: F64, numeric: F64, what: string): void {
  const err = relRms(analytic, numeric);
  if (!(err <= 1e-6)) throw new Error(`${what}: finite-difference rel. error ${err}`);
}

Deno.test("reference gradients agree with finite differences", () => {
  const seed = freshSeed(), random = rng(seed), r = (n: number) => randn(n, random);
  const tag = (s: string) => `${s} (seed ${seed})`;

  for (const kind of ["elu", "relu", "leaky_relu", "softplus", "sigmoid"] as RefActivation[]) {
    const x = r(20).map((v) => 3 * v), dy = r(20);
    expectGrad(
      activationGradRef(kind, x, dy),
      numericGrad((t) => activationRef(kind, t), x, dy),
      tag(kind),
    );
  }

  for (const kind of ["add", "mul", "div", "relu_pow"] as RefBinary[]) {
    const aShape = [2, 3, 4], bShape = [3, 1];
    const a = r(24), b = r(3).map((v) => 1.5 + Math.abs(v)), dy = r(24);
    const g = binaryGradRef(kind, { data: a, shape: aShape }, { data: b, shape: bShape }, dy, 0.7);
    const f = (ta: F64, tb: F64) =>
      binaryRef(kind, { data: ta, shape: aShape }, { data: tb, shape: bShape }, 0.7).data;
    expectGrad(g.da, numericGrad((t) => f(t, b), a, dy), tag(`${kind} da`));
    expectGrad(g.db, numericGrad((t) => f(a, t), b, dy), tag(`${kind} db`));
  }

  {
    const x = r(3 * 5), w = r(5), b = r(5), dy = r(15);
    const g = layerNormGradRef(x, w, dy);
    expectGrad(g.dx, numericGrad((t) => layerNormRef(t, w, b), x, dy), tag("layerNorm dx"));
    expectGrad(g.dw, numericGrad((t) => layerNormRef(x, t, b), w, dy), tag("layerNorm dw"));
    expectGrad(g.db, numericGrad((t) => layerNormRef(x, w, t), b, dy), tag("layerNorm db"));
  }

  {
    const dims = [1, 3, 4, 4], cw = 2, k = 3;
    const x = r(48), w = r(cw * k * k), b = r(cw), dy = r(48);
    const g = depthwiseConv2dGradRef(x, dims, w, cw, k, dy);
    expectGrad(
      g.dx,
      numericGrad((t) => depthwiseConv2dRef(t, dims, w, b, k), x, dy),
      tag("dwconv dx"),
    );
    expectGrad(
      g.dw,
      numericGrad((t) => depthwiseConv2dRef(x, dims, t, b, k), w, dy),
      tag("dwconv dw"),
    );
    expectGrad(
      g.db,
      numericGrad((t) => depthwiseConv2dRef(x, dims, w, t, k), b, dy),
      tag("dwconv db"),
    );
  }

  {
    const dims = [1, 5, 3, 2], sr = 2, x = r(30), w = r(2 * 2 * 4), b = r(2), dy = r(2 * 1 * 2);
    const g = spatialReductionConvRef(x, dims, w, b, sr, dy);
    const f = (tx: F64, tw: F64, tb: F64) => spatialReductionConvRef(tx, dims, tw, tb, sr).y;
    expectGrad(g.dx, numericGrad((t) => f(t, w, b), x, dy), tag("SR dx"));
    expectGrad(g.dw, numericGrad((t) => f(x, t, b), w, dy), tag("SR dw"));
    expectGrad(g.db, numericGrad((t) => f(x, w, t), b, dy), tag("SR db"));
  }

  {
    const table = rope2dRotationsData(2, 3, 8), x = r(6 * 8), dy = r(6 * 8);
    const dx = rope2dRef(dy, 8, 6, table, 8, true);
    expectGrad(dx, numericGrad((t) => rope2dRef(t, 8, 6, table, 8), x, dy), tag("rope dx"));
  }

  {
    const shape = [2, 5, 3], x = r(30), dy = r(30);
    const { dx } = softmaxRef(x, shape, 1, dy);
    expectGrad(dx, numericGrad((t) => softmaxRef(t, shape, 1).y, x, dy), tag("softmax dx"));
  }

  for (const [n, size] of [[4, 11], [9, 4]]) {
    const x = r(2 * n * 3), dy = r(2 * size * 3);
    const { dx } = interpolateTokensRef(x, [2, n, 3], size, dy);
    expectGrad(
      dx,
      numericGrad((t) => interpolateTokensRef(t, [2, n, 3], size).y, x, dy),
      tag(`interp ${n}→${size}`),
    );
  }
});
