/**
 * The fused optimizer kernels (SGD, Adam, AdamW) and the MSE loss vs their float64
 * references, f32 and f16 parameters, and their bad-input errors.
 */
import assert from "node:assert/strict";
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import {
  Adam,
  AdamW,
  mseLoss,
  type NamedTensors,
  type Optimizer,
  SGD,
} from "../../ops/optim/mod.ts";
import {
  adamReference,
  mseLossReference,
  sgdReference,
  type StoreParam,
} from "../../ops/optim/reference.ts";
import {
  assertClose,
  freshSeed,
  noGpu,
  randn,
  rng,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";

const device = (await testDevice())!;
const SHAPES: Record<string, number[]> = { one: [1], odd: [63], matrix: [7, 13], long: [1000] };
const STEPS = 3;

const storeFor = (dtype: DType): StoreParam =>
  dtype === "f32" ? Math.fround : (v) => roundToF16(Float64Array.of(Math.fround(v)))[0];

/** Random values as the GPU stores them (f32- or f16-rounded), scaled by `by`. */
function stored(n: number, random: () => number, dtype: DType, by = 1): Float64Array<ArrayBuffer> {
  const store = storeFor(dtype);
  return randn(n, random).map((v) => store(v * by));
}

interface Case {
  name: string;
  make: (params: NamedTensors) => Optimizer;
  reference: (p: Float64Array, g: Float64Array[], store: StoreParam) => {
    param: Float64Array;
    state: Record<string, Float64Array | undefined>;
  };
}

const sgdCase = (o: ConstructorParameters<typeof SGD>[1] & { lr: number }): Case => ({
  name: `SGD ${JSON.stringify(o)}`,
  make: (params) => new SGD(params, o),
  reference: (p, g, store) => {
    const r = sgdReference(p, g, o, store);
    return { param: r.param, state: { momentum_buffer: r.momentumBuffer } };
  },
});

const adamCase = (
  o: ConstructorParameters<typeof Adam>[1] & { lr: number },
  decoupled: boolean,
): Case => ({
  name: `${decoupled ? "AdamW" : "Adam"} ${JSON.stringify(o)}`,
  make: (params) => decoupled ? new AdamW(params, o) : new Adam(params, o),
  reference: (p, g, store) => {
    const wd = o.weightDecay ?? (decoupled ? 1e-2 : 0);
    const r = adamReference(p, g, { ...o, weightDecay: wd, decoupled }, store);
    return { param: r.param, state: { exp_avg: r.expAvg, exp_avg_sq: r.expAvgSq } };
  },
});

const CASES: Case[] = [
  sgdCase({ lr: 0.05 }),
  sgdCase({ lr: 0.05, weightDecay: 0.1 }),
  sgdCase({ lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 0.05 }),
  sgdCase({ lr: 0.05, momentum: 0.8, nesterov: true }),
  adamCase({ lr: 0.05 }, false),
  adamCase({ lr: 0.05, betas: [0.8, 0.95], eps: 1e-3, weightDecay: 0.1 }, false),
  adamCase({ lr: 0.05 }, true),
  adamCase({ lr: 0.05, betas: [0.5, 0.9], weightDecay: 0.3 }, true),
];

for (const dtype of ["f32", "f16"] as const) {
  for (const c of CASES) {
    Deno.test({
      name: `${c.name}, ${dtype}: ${STEPS} steps vs f64 reference (params, update, state)`,
      ignore: noGpu,
      fn: async () => {
        const seed = freshSeed(), random = rng(seed), tol = tolFor(dtype);
        const store = storeFor(dtype);
        const params = new Map<string, Tensor>(), initial = new Map<string, Float64Array>();
        for (const [name, shape] of Object.entries(SHAPES)) {
          const data = stored(shape.reduce((a, b) => a * b, 1), random, dtype);
          initial.set(name, data);
          params.set(name, Tensor.fromArraySync(device, data, shape, dtype));
        }
        const grads = new Map<string, Float64Array[]>([...initial.keys()].map((n) => [n, []]));
        using opt = c.make(params);
        for (let s = 0; s < STEPS; s++) {
          const step = new Map<string, Tensor>();
          for (const [name, shape] of Object.entries(SHAPES)) {
            const g = stored(initial.get(name)!.length, random, dtype, 0.5 + s);
            grads.get(name)!.push(g);
            step.set(name, Tensor.fromArraySync(device, g, shape, dtype));
          }
          opt.step(step);
          for (const t of step.values()) t.destroy();
        }
        assert.equal(opt.stepCount, STEPS);
        // Every quantity is compared over all tensors together: a 1-element tensor whose
        // update cancels over the steps would make a per-tensor relative error ill-conditioned.
        const got = new Map<string, number[]>(), want = new Map<string, number[]>();
        const push = (m: Map<string, number[]>, key: string, v: ArrayLike<number>) =>
          m.set(key, [...(m.get(key) ?? []), ...Array.from(v)]);
        for (const [name, p] of params) {
          const p0 = initial.get(name)!;
          const ref = c.reference(p0, grads.get(name)!, store);
          const values = await p.read();
          const delta = (a: ArrayLike<number>) => Float64Array.from(a, (v, i) => v - p0[i]);
          push(got, "param", values);
          push(want, "param", ref.param);
          push(got, "update", delta(values));
          push(want, "update", delta(ref.param));
          const state = opt.state(name);
          const expected = Object.entries(ref.state).filter(([, v]) => v !== undefined);
          assert.deepEqual(Object.keys(state).sort(), expected.map(([k]) => k).sort());
          for (const [key, values] of expected) {
            assert.equal(state[key].dtype, "f32", `${key} is f32`);
            push(got, key, await state[key].read());
            push(want, key, values!);
          }
          p.destroy();
        }
        for (const [key, values] of got) {
          const stateTol = key === "param" || key === "update" ? tol : 1e-5;
          assertClose(values, want.get(key)!, stateTol, `${c.name} ${dtype} seed ${seed} ${key}`);
        }
      },
    });
  }
}

Deno.test({
  name: "optimizers: the learning rate can change between steps (a schedule)",
  ignore: noGpu,
  fn: async () => {
    const random = rng(freshSeed());
    const p0 = stored(50, random, "f32"),
      g1 = stored(50, random, "f32"),
      g2 = stored(50, random, "f32");
    using w = Tensor.fromArraySync(device, p0, [50]);
    using opt = new Adam({ w }, { lr: 0.1 });
    using t1 = Tensor.fromArraySync(device, g1, [50]);
    using t2 = Tensor.fromArraySync(device, g2, [50]);
    opt.step({ w: t1 });
    opt.lr = 0.01;
    opt.step({ w: t2 });
    const afterOne = adamReference(p0, [g1], { lr: 0.1 });
    // step 2 from step 1's state with lr 0.01: run the reference with lr 0.01 for the 2nd step
    const m = afterOne.expAvg,
      v = afterOne.expAvgSq,
      p = Float64Array.from(afterOne.param, Math.fround);
    for (let i = 0; i < 50; i++) {
      m[i] += 0.1 * (g2[i] - m[i]);
      v[i] = 0.999 * v[i] + 0.001 * g2[i] * g2[i];
      p[i] -= 0.01 / (1 - 0.9 ** 2) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    }
    assertClose(await w.read(), p, 1e-5, "w after a learning-rate change");
  },
});

for (const dtype of ["f32", "f16"] as const) {
  Deno.test({
    name: `mseLoss ${dtype}: loss and gradient vs f64 reference, odd shape`,
    ignore: noGpu,
    fn: async () => {
      const random = rng(freshSeed()), shape = [3, 7, 5];
      const y = stored(105, random, dtype), t = stored(105, random, dtype);
      using yt = Tensor.fromArraySync(device, y, shape, dtype);
      using tt = Tensor.fromArraySync(device, t, shape, dtype);
      const { loss, grad } = mseLoss(yt, tt);
      using _l = loss, _g = grad;
      const ref = mseLossReference(y, t);
      assert.deepEqual(loss.shape, [1]);
      assert.deepEqual(grad.shape, shape);
      assertClose(await loss.read(), [ref.loss], tolFor(dtype), "loss");
      assertClose(await grad.read(), ref.grad, tolFor(dtype), "grad");
    },
  });
}

Deno.test({
  name: "optimizers and mseLoss reject bad input by name, before updating anything",
  ignore: noGpu,
  fn: async () => {
    using w = Tensor.fromArraySync(device, [1, 2, 3], [3]);
    using b = Tensor.fromArraySync(device, [4], [1]);
    using gw = Tensor.fromArraySync(device, [1, 1, 1], [3]);
    using gb = Tensor.fromArraySync(device, [1], [1]);
    using wrongShape = Tensor.fromArraySync(device, [1, 1, 1], [1, 3]);
    using half = Tensor.fromArraySync(device, [1, 1, 1], [3], "f16");
    using opt = new SGD({ w, b }, { lr: 0.1, momentum: 0.9 });
    assert.throws(() => opt.step({ w: gw }), { name: "TypeError", message: /missing \[b\]/ });
    assert.throws(() => opt.step({ w: gw, b: gb, c: gb }), {
      name: "TypeError",
      message: /unexpected \[c\]/,
    });
    assert.throws(() => opt.step({ w: wrongShape, b: gb }), {
      name: "RangeError",
      message: /grads\["w"\] has shape \[1, 3\]/,
    });
    assert.throws(() => opt.step({ w: half, b: gb }), {
      name: "TypeError",
      message: /grads\["w"\]/,
    });
    assert.throws(() => opt.step({ w: gw, b: 3 as unknown as Tensor }), {
      name: "TypeError",
      message: /grads\["b"\] must be a Tensor/,
    });
    assert.deepEqual([...await w.read()], [1, 2, 3], "a rejected step updates nothing");
    assert.equal(opt.stepCount, 0);
    assert.throws(() => (opt.lr = NaN), { name: "RangeError", message: /lr must be finite/ });
    assert.throws(() => new Adam({ w }, { lr: Infinity }), { name: "RangeError", message: /lr/ });
    assert.throws(() => new SGD({ w }, { lr: -1 }), {
      name: "RangeError",
      message: /lr must be ≥ 0/,
    });
    assert.throws(() => new Adam({ w }, { betas: [0.9, 1] }), {
      name: "RangeError",
      message: /betas\[1\] must be < 1/,
    });
    assert.throws(() => new AdamW({ w }, { eps: -1 }), { name: "RangeError", message: /eps/ });
    assert.throws(() => new SGD({ w }, { nesterov: true }), {
      name: "RangeError",
      message: /nesterov needs momentum > 0/,
    });
    assert.throws(() => new SGD({}), { name: "TypeError", message: /at least one tensor/ });
    assert.throws(() => new SGD({ w, v: w }), { name: "TypeError", message: /listed twice/ });
    assert.throws(() => new SGD({ w: [1] as unknown as Tensor }), {
      name: "TypeError",
      message: /params\["w"\] must be a Tensor/,
    });
    assert.throws(() => opt.state("nope"), { name: "TypeError", message: /"nope"/ });
    const gone = Tensor.fromArraySync(device, [1], [1]);
    using lone = new SGD({ gone });
    gone.destroy();
    assert.throws(() => lone.step({ gone: gb }), { name: "TypeError", message: /destroyed/ });
    assert.throws(() => mseLoss(w, wrongShape), {
      name: "RangeError",
      message: /target has shape/,
    });
    assert.throws(() => mseLoss(w, half), { name: "TypeError", message: /target must be a f32/ });
  },
});
