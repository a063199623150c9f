/**
 * Too-large shapes: outputs over the device's largest storage binding (but under
 * maxBufferSize) and buffers over maxBufferSize are refused with a RangeError naming what is
 * too large, before anything is recorded or allocated (issue 14, items 1 and 4).
 */
import assert from "node:assert/strict";
import { noGpu, smallLimitsDevice, testDevice, withBindingLimit } from "../_helpers.ts";
import { counting } from "./_tensors.ts";
import { rope2dRotations } from "../../ops/nn/mod.ts";
import * as nn from "../../ops/nn/mod.ts";
import { scaledDotProductAttention } from "../../ops/sdpa/mod.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { GeneralizedLinearAttention, MambaLikeLinearAttention } from "../../layers/mod.ts";

const device = (await testDevice())!;

// Every input below fits 4 KiB; every refused output needs 4800 bytes (300 rows of 4 floats).
const LIMIT = 4096;

Deno.test({
  name: "outputs larger than the largest storage binding are refused, naming the op and what",
  ignore: noGpu,
  fn: () =>
    withBindingLimit(device, LIMIT, () => {
      using row = counting(device, [1, 4]);
      using column = counting(device, [300, 1]);
      using half = counting(device, [300, 2]);
      using tokens = counting(device, [1, 2, 4]);
      using narrow = counting(device, [600, 1]);
      using gamma = counting(device, [1]);
      using q = counting(device, [1, 1, 300, 1]);
      using k = counting(device, [1, 1, 1, 1]);
      using v = counting(device, [1, 1, 1, 4]);
      const cases: [string, () => unknown, RegExp][] = [
        ["broadcastTo", () => nn.broadcastTo(row, [1, 4], [300, 4]), /broadcastTo: outShape/],
        ["interpolateTokens", () => nn.interpolateTokens(tokens, 300), /interpolateTokens: size/],
        ["add", () => nn.add(column, row), /add: the broadcast of a \[300, 1\] and b \[1, 4\]/],
        ["mul", () => nn.mul(row, column), /mul: the broadcast/],
        ["div", () => nn.div(column, row), /div: the broadcast/],
        ["reluPower", () => nn.reluPower(column, row), /reluPower: the broadcast/],
        ["concatFeatures", () => nn.concatFeatures([half, half]), /concatFeatures: the output/],
        ["layerNorm", () => nn.layerNorm(narrow, gamma, gamma), /layerNorm: the row statistics/],
        ["sdpa", () => scaledDotProductAttention(q, k, v), /scaledDotProductAttention: the output/],
      ];
      for (const [what, call, message] of cases) {
        assert.throws(call, (e: Error) => {
          assert.ok(e instanceof RangeError, `${what}: ${e}`);
          assert.match(e.message, message, what);
          assert.match(e.message, /largest storage binding \(4096 bytes\)/, what);
          return true;
        });
      }
    }),
});

Deno.test({
  name: "an output that just fits the binding limit is computed (the checks are not too strict)",
  ignore: noGpu,
  fn: () =>
    withBindingLimit(device, LIMIT, async () => {
      using row = counting(device, [1, 4]);
      using column = counting(device, [256, 1]);
      using y = nn.mul(column, row); // [256, 4] f32: exactly 4096 bytes
      const got = await y.read();
      assert.equal(got[4 * 255 + 3], (1 + (255 % 7)) * 4);
    }),
});

Deno.test({
  name: "SDPA output over a real 128 MiB binding (issue example) is a RangeError, not zeros",
  ignore: noGpu,
  fn: async () => {
    const small = (await smallLimitsDevice())!;
    using q = counting(small, [1, 1, 2 ** 18, 1]);
    using k = counting(small, [1, 1, 1, 1]);
    using v = counting(small, [1, 1, 1, 256]);
    assert.throws(
      () => scaledDotProductAttention(q, k, v),
      (e: Error) =>
        e instanceof RangeError && /the output f32 \[1, 1, 262144, 256\]/.test(e.message),
    );
  },
});

Deno.test({
  name: "buffers over maxBufferSize are a RangeError before any host array is built",
  ignore: noGpu,
  fn: async () => {
    const small = (await smallLimitsDevice())!;
    const overMax = /more than the device's maxBufferSize \(268435456 bytes\)/;
    const refused = (what: string, call: () => unknown, name: RegExp) =>
      assert.throws(call, (e: Error) => {
        assert.ok(e instanceof RangeError, `${what}: ${e}`);
        assert.match(e.message, overMax, what);
        assert.match(e.message, name, what);
        return true;
      });
    refused(
      "fromArraySync",
      () => Tensor.fromArraySync(small, [], [2 ** 27]),
      /shape \[134217728\]/,
    );
    await assert.rejects(
      () => Tensor.fromArray([], [2 ** 26, 4], { device: small, dtype: "f16" }),
      (e: Error) => e instanceof RangeError && overMax.test(e.message),
    );
    refused("rope2dRotations", () => rope2dRotations(small, 1024, 1024, 128), /rope2dRotations/);
    refused(
      "GeneralizedLinearAttention",
      () =>
        new GeneralizedLinearAttention({
          queryDim: 2 ** 14,
          heads: 1,
          dimHead: 2 ** 14,
          device: small,
        }),
      /GeneralizedLinearAttention: parameter "to_q.weight" \[16384, 16384\]/,
    );
    refused(
      "MambaLikeLinearAttention",
      () =>
        new MambaLikeLinearAttention({
          dim: 8,
          numHeads: 2,
          inputResolution: [2 ** 12, 2 ** 12],
          device: small,
        }),
      /parameter "rope.rotations"/,
    );
  },
});
