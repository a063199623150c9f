import assert from "node:assert/strict";
import { dtypesOf, noGpu, testDevice } from "../_helpers.ts";
import { deviceContext } from "../../ops/_runtime/mod.ts";
import { F16_BELOW_1_5, featureTensor } from "../../bench/inputs.ts";

/** Host copy of the kernel's PCG hash (bench/inputs.ts), to pin the values down exactly. */
function pcg(v: number): number {
  const state = (Math.imul(v, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The kernel's value at index `i` for `seed`, in f32 (exact: 23 random bits). */
function expected(seed: number, i: number): number {
  return 0.5 + ((pcg((pcg(i) ^ pcg(seed)) >>> 0) >>> 9) / 2 ** 23);
}

Deno.test({
  name: "featureTensor: the hash's values in [0.5, 1.5), uniform, per seed (f32 and f16)",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!; // outputs are poisoned: a missed element is NaN
    const shape = [3, 5, 1001, 7]; // odd size: the last workgroup is partial
    const n = 3 * 5 * 1001 * 7;
    for (const dtype of dtypesOf(device)) {
      using a = featureTensor(device, shape, dtype, 1);
      using again = featureTensor(device, shape, dtype, 1);
      using b = featureTensor(device, shape, dtype, 2);
      const [x, y, z] = await Promise.all([a.read(), again.read(), b.read()]);
      assert.deepEqual(x, y, `${dtype}: the same seed gives the same values`);
      let sum = 0, sq = 0, same = 0, mismatch = 0;
      for (let i = 0; i < n; i++) {
        assert.ok(x[i] >= 0.5 && x[i] < 1.5, `${dtype}: x[${i}] = ${x[i]}`);
        const want = dtype === "f32"
          ? Math.fround(expected(1, i))
          : new Float16Array([Math.min(expected(1, i), F16_BELOW_1_5)])[0];
        if (x[i] !== want) mismatch++;
        if (x[i] === z[i]) same++;
        sum += x[i];
        sq += (x[i] - 1) ** 2;
      }
      assert.equal(mismatch, 0, `${dtype}: values differ from the host hash`);
      // Uniform on [0.5, 1.5): mean 1, variance 1/12 (± a few standard errors).
      assert.ok(Math.abs(sum / n - 1) < 0.01, `${dtype}: mean ${sum / n}`);
      assert.ok(Math.abs(sq / n - 1 / 12) < 0.002, `${dtype}: variance ${sq / n}`);
      // Another seed: independent values (f16 has 2048 levels: ≈ n / 1024 ties by chance).
      assert.ok(same < n / 200, `${dtype}: seeds 1 and 2 agree on ${same} of ${n} elements`);
    }
  },
});

Deno.test({
  name: "featureTensor: filled in slices when larger than a storage binding (same values)",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    const ctx = deviceContext(device);
    const saved = ctx.maxBindingBytes;
    for (const dtype of dtypesOf(device)) {
      using whole = featureTensor(device, [3001], dtype, 7);
      ctx.maxBindingBytes = 1024; // 256 f32 or 512 f16 elements a slice: 12 or 6 slices
      try {
        using sliced = featureTensor(device, [3001], dtype, 7);
        assert.deepEqual(await sliced.read(), await whole.read(), dtype);
      } finally {
        ctx.maxBindingBytes = saved;
      }
    }
  },
});

Deno.test({
  name: "featureTensor: a bad seed or over 2³² − 1 elements is a RangeError",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    for (const seed of [-1, 0.5, 2 ** 32]) {
      assert.throws(() => featureTensor(device, [4], "f32", seed), /seed: expected a u32/);
    }
    assert.throws(() => featureTensor(device, [2 ** 16, 2 ** 16], "f16", 1), /shape: at most/);
  },
});
