/**
 * A lost device: every later op, upload, layer call and read throws an error saying the device
 * was lost, instead of recording work that never runs (issue 14; the runtime's side is
 * tests/_runtime/gpu_errors_test.ts).
 */
import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";
import { counting } from "./_tensors.ts";
import * as lib from "../../mod.ts";

const LOST = /the GPU device was lost/;

Deno.test({
  name: "after device.lost, ops, uploads, layers, files and reads all say the device was lost",
  ignore: noGpu,
  fn: async () => {
    const device = await lib.requestDevice();
    const x = counting(device, [1, 6, 8]);
    const y = lib.nn.relu(x);
    const layer = new lib.MambaLikeLinearAttention({
      dim: 8,
      numHeads: 2,
      inputResolution: [2, 3],
      device,
    });
    const file = lib.serializeSafetensors({ w: { dtype: "F32", shape: [2], data: [1, 2] } });
    device.destroy();
    await device.lost;
    const calls: [string, () => unknown][] = [
      ["nn.relu", () => lib.nn.relu(x)],
      ["nn.mul", () => lib.nn.mul(x, x)],
      ["linearAttention", () => lib.linearAttention(counting(device, [1, 1, 4, 2]), x, x)],
      ["Tensor.fromArraySync", () => lib.Tensor.fromArraySync(device, [1, 2], [2])],
      ["Tensor.empty", () => lib.Tensor.empty(device, [2])],
      ["layer.forward", () => layer.forward(x, { height: 2, width: 3 })],
      ["loadTensors", () => lib.loadTensors(file, device)],
      ["read", () => y.read()],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(async () => await call(), (e: Error) => {
        assert.match(e.message, LOST, what);
        return true;
      }, what);
    }
  },
});
