/**
 * A short run of the training demo (examples/train_demo.ts): MLLA on a 16×16 grid, Adam, MSE
 * on the GPU; the loss must fall.
 */
import assert from "node:assert/strict";
import { trainDemo } from "../../examples/train_demo.ts";
import { noF16, noGpu, testDevice } from "../_helpers.ts";

for (const dtype of ["f32", "f16"] as const) {
  Deno.test({
    name: `train demo (${dtype}): 30 Adam steps of MLLA 16×16, C 16 → the loss falls below 30 %`,
    ignore: noGpu || (dtype === "f16" && noF16),
    fn: async () => {
      const device = (await testDevice())!;
      const losses = await trainDemo({
        device,
        steps: 30,
        logEvery: 10,
        lr: 0.01,
        dim: 16,
        heads: 2,
        batch: 1,
        dtype,
      });
      assert.deepEqual(losses.map(([step]) => step), [0, 10, 20, 30]);
      const values = losses.map(([, loss]) => loss);
      assert.ok(values.every(Number.isFinite), `finite losses: ${values}`);
      for (let i = 1; i < values.length; i++) {
        assert.ok(values[i] < values[i - 1], `the loss falls at every report: ${values}`);
      }
      assert.ok(values[3] < 0.3 * values[0], `final/initial < 0.3: ${values}`);
    },
  });
}
