import assert from "node:assert/strict";
import { noGpu, testDevice } from "./_helpers.ts";
import { Tensor } from "../ops/_runtime/mod.ts";
import {
  entryToFloat32,
  loadTensors,
  parseSafetensors,
  saveTensors,
  serializeSafetensors,
} from "../ops/safetensors.ts";

const device = (await testDevice())!;

// A file built by hand from the format description: header length, JSON, raw LE bytes.
function handMade(header: string, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

Deno.test("parses a hand-made file: F32, F16, BF16, F64, I64, scalar, metadata", () => {
  const f32 = [...new Uint8Array(new Float32Array([1.5, -2]).buffer)];
  const f16 = [0x00, 0x3c, 0x00, 0xc0]; // 1, -2
  const bf16 = [0x80, 0x3f, 0x49, 0x40]; // 1, 3.140625
  const f64 = [...new Uint8Array(new Float64Array([0.1]).buffer)];
  const i64 = [7, 0, 0, 0, 0, 0, 0, 0];
  const bytes = handMade(
    JSON.stringify({
      __metadata__: { format: "pt" },
      b: { dtype: "F16", shape: [2], data_offsets: [8, 12] },
      a: { dtype: "F32", shape: [1, 2], data_offsets: [0, 8] },
      c: { dtype: "BF16", shape: [2], data_offsets: [12, 16] },
      d: { dtype: "F64", shape: [], data_offsets: [16, 24] },
      e: { dtype: "I64", shape: [1], data_offsets: [24, 32] },
    }),
    [...f32, ...f16, ...bf16, ...f64, ...i64],
  );
  const file = parseSafetensors(bytes);
  assert.deepEqual(file.metadata, { format: "pt" });
  assert.deepEqual([...file.tensors.keys()], ["b", "a", "c", "d", "e"]);
  assert.deepEqual(file.tensors.get("a")!.shape, [1, 2]);
  assert.deepEqual([...entryToFloat32(file.tensors.get("a")!)], [1.5, -2]);
  assert.deepEqual([...entryToFloat32(file.tensors.get("b")!)], [1, -2]);
  assert.deepEqual([...entryToFloat32(file.tensors.get("c")!)], [1, 3.140625]);
  assert.deepEqual([...entryToFloat32(file.tensors.get("d")!)], [Math.fround(0.1)]);
  assert.throws(() => entryToFloat32(file.tensors.get("e")!), /I64 is not a float dtype/);
});

Deno.test("write then read round-trips every float dtype; BF16 rounds to nearest even", () => {
  const values = new Float32Array([0, -0, 1, -2.5, 3.3, 65504, 1e-7, 1 + 2 ** -8, 1 + 3 * 2 ** -8]);
  const bytes = serializeSafetensors({
    f32: { dtype: "F32", shape: [3, 3], data: values },
    f64: { dtype: "F64", shape: [9], data: Float64Array.from(values) },
    f16: { dtype: "F16", shape: [9], data: values },
    bf16: { dtype: "BF16", shape: [9], data: values },
    scalar: { dtype: "F32", shape: [], data: [4] },
  }, { note: "x" });
  assert.equal(new DataView(bytes.buffer).getUint32(0, true) % 8, 0, "header padded to 8");
  const file = parseSafetensors(bytes);
  assert.deepEqual(file.metadata, { note: "x" });
  assert.deepEqual([...entryToFloat32(file.tensors.get("f32")!)], [...values]);
  assert.deepEqual([...entryToFloat32(file.tensors.get("f64")!)], [...values]);
  assert.deepEqual(
    [...entryToFloat32(file.tensors.get("f16")!)],
    [...Float32Array.from(new Float16Array(values))],
  );
  const bf = entryToFloat32(file.tensors.get("bf16")!);
  assert.equal(bf[2], 1);
  assert.equal(bf[7], 1, "1 + 2^-8 is a tie: rounds to even (1)");
  assert.equal(bf[8], 1 + 2 ** -6, "1 + 3·2^-8 is a tie: rounds to even (1 + 2^-6)");
  assert.equal(bf[4], 3.296875);
  assert.deepEqual(file.tensors.get("scalar")!.shape, []);
});

Deno.test("malformed files are rejected with a clear RangeError", () => {
  const ok = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
  const data = new Array(8).fill(0);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /fewer than the 8-byte header length/],
    [
      (() => {
        const b = handMade("{}", []);
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /header length 1000 exceeds the file/,
    ],
    [handMade("{not json", []), /not valid UTF-8 JSON/],
    [handMade("[1, 2]", []), /header must be a JSON object/],
    [handMade(JSON.stringify({ w: { ...ok, dtype: "F12" } }), data), /unknown dtype "F12"/],
    [
      handMade(JSON.stringify({ w: { ...ok, shape: [3] } }), data),
      /needs 12 bytes, its data_offsets span 8/,
    ],
    [handMade(JSON.stringify({ w: { ...ok, shape: [-1] } }), data), /bad shape/],
    [
      handMade(JSON.stringify({ w: { ...ok, data_offsets: [0, 16] } }), data),
      /outside the 8 data bytes/,
    ],
    [handMade(JSON.stringify({ w: ok, v: ok }), data), /overlap or hole/],
    [
      handMade(JSON.stringify({ w: ok }), [...data, 0, 0, 0, 0]),
      /4 data bytes after the last tensor/,
    ],
    [
      handMade(JSON.stringify({ w: { ...ok, shape: [1], data_offsets: [4, 8] } }), data),
      /starts at 4, expected 0/,
    ],
    [handMade(JSON.stringify({ __metadata__: { a: 1 } }), []), /__metadata__.a must be a string/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => parseSafetensors(bytes),
      (e) => e instanceof RangeError && message.test(e.message),
      String(message),
    );
  }
  assert.throws(
    () => serializeSafetensors({ w: { dtype: "F32", shape: [3], data: [1, 2] } }),
    /2 values for shape \[3\]/,
  );
  assert.throws(
    () => serializeSafetensors({ w: { dtype: "F32", shape: [1], data: new Uint16Array(1) } }),
    TypeError,
  );
});

Deno.test({
  name: "GPU tensors: load (f32, f16 bit-exact), save and reload",
  ignore: noGpu,
  fn: async () => {
    const values = new Float32Array([0.1, -2, 3.25, 1e-3, 7, 8]);
    const bytes = serializeSafetensors({
      w: { dtype: "BF16", shape: [2, 3], data: values },
      h: {
        dtype: "F16",
        shape: [6],
        data: new Uint16Array([0x3c00, 0x3555, 1, 0x8001, 0x7bff, 0]),
      },
    });
    const { tensors } = loadTensors(bytes, device);
    assert.deepEqual(tensors.get("w")!.shape, [2, 3]);
    assert.deepEqual(
      await tensors.get("w")!.read(),
      entryToFloat32(parseSafetensors(bytes).tensors.get("w")!),
    );
    if (device.features.has("shader-f16")) {
      const half = loadTensors(bytes, device, { dtype: "f16" }).tensors;
      assert.deepEqual([...await half.get("h")!.readRaw()], [0x3c00, 0x3555, 1, 0x8001, 0x7bff, 0]);
      const again = parseSafetensors(await saveTensors(half));
      assert.equal(again.tensors.get("h")!.dtype, "F16");
      assert.deepEqual([...new Uint16Array(again.tensors.get("h")!.bytes.slice().buffer)], [
        0x3c00,
        0x3555,
        1,
        0x8001,
        0x7bff,
        0,
      ]);
      for (const t of half.values()) t.destroy();
    }
    using x = Tensor.fromArraySync(device, values, [3, 2]);
    const saved = parseSafetensors(await saveTensors({ x }, { metadata: { step: "3" } }));
    assert.deepEqual(saved.metadata, { step: "3" });
    assert.deepEqual(entryToFloat32(saved.tensors.get("x")!), values);
    for (const t of tensors.values()) t.destroy();
  },
});
