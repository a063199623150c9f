import assert from "node:assert/strict";
import {
  assertClose,
  dtypesOf,
  eluPlusOne,
  freshSeed,
  noGpu,
  randn,
  rng,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { naiveLinearAttention } from "../../ops/linear_attention/naive.ts";

const device = (await testDevice())!;
const dtypes = dtypesOf(device);

/** docs/math.md §1.2–1.3 in float64 for one (b, h): q [T, dk], k [L, dk], v [L, dv], dO [T, dv]. */
function referenceHead(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  dO: Float64Array,
  T: number,
  L: number,
  dk: number,
  dv: number,
  sigma: number,
  eps: number,
) {
  const m = new Float64Array(dk), S = new Float64Array(dk * dv);
  for (let j = 0; j < L; j++) {
    for (let a = 0; a < dk; a++) {
      m[a] += k[j * dk + a] / L;
      for (let b = 0; b < dv; b++) S[a * dv + b] += sigma * k[j * dk + a] * v[j * dv + b];
    }
  }
  const o = new Float64Array(T * dv), dq = new Float64Array(T * dk);
  const dS = new Float64Array(dk * dv), dm = new Float64Array(dk);
  for (let i = 0; i < T; i++) {
    let z = eps;
    for (let a = 0; a < dk; a++) z += q[i * dk + a] * m[a];
    let dz = 0;
    for (let b = 0; b < dv; b++) {
      let acc = 0;
      for (let a = 0; a < dk; a++) acc += q[i * dk + a] * S[a * dv + b];
      o[i * dv + b] = acc / z;
      dz -= dO[i * dv + b] * o[i * dv + b] / z;
    }
    for (let a = 0; a < dk; a++) {
      let acc = dz * m[a];
      for (let b = 0; b < dv; b++) {
        acc += dO[i * dv + b] / z * S[a * dv + b];
        dS[a * dv + b] += q[i * dk + a] * dO[i * dv + b] / z;
      }
      dq[i * dk + a] = acc;
      dm[a] += dz * q[i * dk + a];
    }
  }
  const dk_ = new Float64Array(L * dk), dv_ = new Float64Array(L * dv);
  for (let j = 0; j < L; j++) {
    for (let a = 0; a < dk; a++) {
      let acc = dm[a] / L;
      for (let b = 0; b < dv; b++) acc += sigma * dS[a * dv + b] * v[j * dv + b];
      dk_[j * dk + a] = acc;
    }
    for (let b = 0; b < dv; b++) {
      let acc = 0;
      for (let a = 0; a < dk; a++) acc += sigma * k[j * dk + a] * dS[a * dv + b];
      dv_[j * dv + b] = acc;
    }
  }
  return { o, dq, dk: dk_, dv: dv_ };
}

/** Copies head (b, h) of a [B, H, T, D] or [B, T, H, D] array out, or back in with `into`. */
function head(
  x: Float64Array,
  bthd: boolean,
  b: number,
  h: number,
  H: number,
  T: number,
  D: number,
  into?: Float64Array,
) {
  const out = into ?? new Float64Array(T * D);
  for (let t = 0; t < T; t++) {
    const base = bthd ? ((b * T + t) * H + h) * D : ((b * H + h) * T + t) * D;
    for (let d = 0; d < D; d++) {
      if (into) x[base + d] = into[t * D + d];
      else out[t * D + d] = x[base + d];
    }
  }
  return out;
}

const cases: [
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number | undefined,
  number | undefined,
][] = [
  // label, B, H, T, L, dk, dv, scale, eps
  ["odd sizes", 2, 3, 63, 63, 17, 33, undefined, undefined],
  // With L = dk = 1, dq = dO·k·v·ε/z² is what is left of two terms of size dO·k·v/z, which the
  // naive composition stores separately (in f16 for f16 inputs): the cancellation magnifies
  // their rounding by z/ε. ε = 16 keeps z/ε < 2 for these features (q·k ≲ 10).
  ["T=1, D=1, ε=16", 1, 2, 1, 1, 1, 1, undefined, 16],
  ["Lq≠Lk, σ=0.3, ε=1", 1, 2, 5, 70, 64, 60, 0.3, 1],
];

for (const dtype of dtypes) {
  for (const layout of ["BHTD", "BTHD"] as const) {
    for (const [label, B, H, T, L, dk, dv, scale, eps] of cases) {
      Deno.test({
        name:
          `naiveLinearAttention ${dtype} ${layout} ${label} B${B} H${H} T${T} L${L} dk${dk} dv${dv}: fwd + bwd`,
        ignore: noGpu,
        fn: async () => {
          const seed = freshSeed(), random = rng(seed);
          const bthd = layout === "BTHD";
          const shape = (t: number, d: number) => (bthd ? [B, t, H, d] : [B, H, t, d]);
          const round = (
            x: Float64Array<ArrayBuffer>,
          ) => (dtype === "f16" ? roundToF16(x) : Float64Array.from(new Float32Array(x)));
          const q = round(eluPlusOne(B * H * T * dk, random));
          const k = round(eluPlusOne(B * H * L * dk, random));
          const v = round(randn(B * H * L * dv, random));
          const dO = round(randn(B * H * T * dv, random));
          const up = (x: Float64Array<ArrayBuffer>, s: number[]) =>
            Tensor.fromArraySync(device, x, s, dtype);
          using tq = up(q, shape(T, dk));
          using tk = up(k, shape(L, dk));
          using tv = up(v, shape(L, dv));
          using tdO = up(dO, shape(T, dv));
          using run = naiveLinearAttention.vjp(tq, tk, tv, { scale, eps, layout });
          using o = run.output;
          const g = run.pullback(tdO);
          const ref = {
            o: new Float64Array(dO.length),
            dq: new Float64Array(q.length),
            dk: new Float64Array(k.length),
            dv: new Float64Array(v.length),
          };
          for (let b = 0; b < B; b++) {
            for (let h = 0; h < H; h++) {
              const r = referenceHead(
                head(q, bthd, b, h, H, T, dk),
                head(k, bthd, b, h, H, L, dk),
                head(v, bthd, b, h, H, L, dv),
                head(dO, bthd, b, h, H, T, dv),
                T,
                L,
                dk,
                dv,
                scale ?? 1 / L,
                eps ?? 1e-6,
              );
              head(ref.o, bthd, b, h, H, T, dv, r.o);
              head(ref.dq, bthd, b, h, H, T, dk, r.dq);
              head(ref.dk, bthd, b, h, H, L, dk, r.dk);
              head(ref.dv, bthd, b, h, H, L, dv, r.dv);
            }
          }
          assert.deepEqual(o.shape, shape(T, dv));
          // The composition stores each intermediate (m, z, S, dz, dm, …) in the input dtype: in f16
          // every gradient path takes several roundings, and dm = Σ dz_i q_i cancels at small T,
          // so its bound is twice the fused ops' (docs/ops.md, baselines).
          const tol = (dtype === "f16" ? 2 : 1) * tolFor(dtype);
          assertClose(await o.read(), ref.o, tol, `o (seed ${seed})`);
          assertClose(await g.dq.read(), ref.dq, tol, `dq (seed ${seed})`);
          assertClose(await g.dk.read(), ref.dk, tol, `dk (seed ${seed})`);
          assertClose(await g.dv.read(), ref.dv, tol, `dv (seed ${seed})`);
          for (const t of [g.dq, g.dk, g.dv]) t.destroy();
        },
      });
    }
  }
}

Deno.test({
  name: "naiveLinearAttention rejects bad input with named errors",
  ignore: noGpu,
  fn: () => {
    const t = (s: number[]) =>
      Tensor.fromArraySync(device, new Float32Array(s.reduce((a, b) => a * b)), s);
    using q = t([1, 2, 5, 4]);
    using k3 = t([2, 5, 4]);
    using kBad = t([1, 2, 5, 3]);
    using vBad = t([1, 2, 6, 4]);
    assert.throws(() => naiveLinearAttention(q, k3, q), {
      name: "RangeError",
      message: /k must have rank 4/,
    });
    assert.throws(() => naiveLinearAttention(q, kBad, q), /d_k/);
    assert.throws(() => naiveLinearAttention(q, q, vBad), /key lengths/);
    assert.throws(() => naiveLinearAttention(q, q, q, { eps: Infinity }), {
      name: "RangeError",
      message: /eps/,
    });
    assert.throws(() => naiveLinearAttention(q, q, q, { layout: "TBHD" as "BHTD" }), {
      name: "TypeError",
      message: /layout/,
    });
    using run = naiveLinearAttention.vjp(q, q, q);
    using wrong = t([1, 2, 5, 3]);
    assert.throws(() => run.pullback(wrong), /dO has shape/);
    run.output.destroy();
  },
});
