/**
 * `deno task test:quick`: a few seconds for contributors. linearAttention forward and backward
 * (o, dq, dk, dv) against the float64 reference on fresh random inputs at odd sizes, f32 (and
 * f16 where the adapter has it). The full suite is `deno task test`.
 */
import { dtypesOf, noGpu, testDevice } from "./_helpers.ts";
import { checkLinearAttention } from "./linear_attention/_cases.ts";

const device = await testDevice();

for (const dtype of dtypesOf(device)) {
  Deno.test({
    name: `quick: linearAttention ${dtype} forward + backward vs the float64 reference`,
    ignore: noGpu,
    fn: () =>
      checkLinearAttention(device!, {
        B: 2,
        H: 3,
        lq: 63,
        lk: 37,
        dk: 60,
        dv: 33,
        dtype,
        layout: "BHTD",
      }),
  });
}
