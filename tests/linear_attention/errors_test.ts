import assert from "node:assert/strict";
import { noF16, noGpu, testDevice } from "../_helpers.ts";
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { linearAttentionReference } from "../../ops/linear_attention/reference.ts";

const device = (await testDevice())!;

function t(shape: number[], dtype: DType = "f32", dev = device): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromArraySync(
    dev,
    Float32Array.from({ length: n }, (_, i) => 1 + (i % 7)),
    shape,
    dtype,
  );
}

const la = linearAttention as (...args: unknown[]) => Tensor;

Deno.test({
  name: "linearAttention rejects bad inputs with errors naming the argument",
  ignore: noGpu,
  fn: () => {
    const q = t([2, 3, 5, 4]), k = t([2, 3, 7, 4]), v = t([2, 3, 7, 6]);
    const cases: [unknown[], ErrorConstructor, RegExp][] = [
      [[null, k, v], TypeError, /q must be a Tensor/],
      [[q, k, new Float32Array(4)], TypeError, /v must be a Tensor/],
      [[t([3, 5, 4]), k, v], RangeError, /q must have rank 4/],
      [[q, t([1, 3, 7, 4]), v], RangeError, /k has shape \[1, 3, 7, 4\]: batch × heads/],
      [[q, t([2, 3, 7, 5]), v], RangeError, /k has shape .*d_k/],
      [[q, k, t([2, 3, 8, 6])], RangeError, /v has shape .*key length/],
      [[t([2, 3, 0, 4]), t([2, 3, 0, 4]), t([2, 3, 0, 6])], RangeError, /q needs T ≥ 1/],
      [[q, t([2, 3, 0, 4]), t([2, 3, 0, 6])], RangeError, /k needs T ≥ 1/],
      [[t([1, 1, 2, 257]), t([1, 1, 2, 257]), t([1, 1, 2, 1])], RangeError, /d_k .* \[1, 256\]/],
      [[t([1, 1, 2, 3]), t([1, 1, 2, 3]), t([1, 1, 2, 300])], RangeError, /d_v of v/],
      [[q, k, v, { scale: NaN }], RangeError, /scale must be finite/],
      [[q, k, v, { scale: "0.5" }], TypeError, /scale must be a number/],
      [[q, k, v, { eps: Infinity }], RangeError, /eps must be finite/],
      [[q, k, v, { layout: "BTDH" }], TypeError, /layout must be one of/],
      [[q, k, v, 5], TypeError, /options must be an object/],
    ];
    if (!noF16) cases.push([[q, t([2, 3, 7, 4], "f16"), v], TypeError, /mixed dtypes/]);
    for (const [args, type, message] of cases) {
      assert.throws(() => la(...args), (e: Error) => {
        assert.ok(e instanceof type, `${e} should be a ${type.name}`);
        assert.match(e.message, message);
        assert.match(e.message, /linearAttention/);
        return true;
      });
    }
    const gone = t([2, 3, 5, 4]);
    gone.destroy();
    assert.throws(() => la(gone, k, v), /q was destroyed/);
    // BTHD reads T and H from dims 1 and 2.
    assert.throws(() => la(q, k, v, { layout: "BTHD" }), /k has shape .*batch × heads/);
  },
});

Deno.test({
  name: "linearAttention pullback checks dO, dispose and inputs it still needs",
  ignore: noGpu,
  fn: () => {
    const q = t([1, 2, 5, 4]), k = t([1, 2, 5, 4]), v = t([1, 2, 5, 3]);
    const f = linearAttention.vjp(q, k, v);
    assert.throws(() => f.pullback(t([1, 2, 5, 4])), RangeError);
    if (!noF16) assert.throws(() => f.pullback(t([1, 2, 5, 3], "f16")), /mixed dtypes/);
    assert.throws(() => f.pullback(undefined as unknown as Tensor), /dO must be a Tensor/);
    v.destroy();
    assert.throws(() => f.pullback(t([1, 2, 5, 3])), /v was destroyed/);
    f.dispose();
    assert.throws(() => f.pullback(t([1, 2, 5, 3])), /after dispose/);
  },
});

Deno.test({
  name: "linearAttention on a device without shader-f16: f16 refused, f32 works",
  ignore: noGpu,
  fn: async () => {
    const plain = await (await navigator.gpu.requestAdapter())!.requestDevice();
    assert.ok(!plain.features.has("shader-f16"));
    assert.throws(() => t([1, 1, 3, 4], "f16", plain), (e: Error) => {
      return e instanceof TypeError && /shader-f16/.test(e.message);
    });
    const other = t([1, 1, 3, 4], "f32", plain);
    assert.throws(() => la(other, t([1, 1, 3, 4]), t([1, 1, 3, 4])), /different GPUDevice/);
    const o = await linearAttention(other, other, other).read();
    const x = { data: await other.read(), shape: [1, 1, 3, 4] };
    const ref = linearAttentionReference(x, x, x);
    o.forEach((value, i) => assert.ok(Math.abs(value - ref[i]) < 1e-5 * Math.abs(ref[i])));
    plain.destroy();
  },
});
