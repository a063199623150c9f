/**
 * Bad inputs to the public API: every exported function refuses garbage with a TypeError or
 * RangeError of its own (never a property access on undefined), and the specific silent
 * acceptances and unclear messages of issue 14 (items 5, 6, 7) stay fixed.
 */
import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import { counting } from "./_tensors.ts";
import * as lib from "../../mod.ts";

const device = (await testDevice())!;

const GARBAGE: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a number", 1],
  ["a string", "x"],
  ["an empty object", {}],
  ["NaN", NaN],
];

// Messages that come from the engine, not from an argument check.
const INTERNAL =
  /Cannot read|Cannot convert|is not a function|is not iterable|is not a constructor/;

// Constructors not meant to be called: the Tensor (made by its static methods) and the
// abstract layer bases.
const NOT_CALLED = new Set(["Tensor", "FocusedLayer", "RopeLayer"]);

function publicFunctions(): [string, (...args: unknown[]) => unknown][] {
  const named = [
    ...Object.entries(lib),
    ...Object.entries(lib.nn).map(([k, v]) => [`nn.${k}`, v] as const),
  ];
  return named.filter((e): e is [string, (...args: unknown[]) => unknown] =>
    typeof e[1] === "function" && !NOT_CALLED.has(e[0].replace(/^nn\./, ""))
  );
}

function isClass(f: unknown): boolean {
  return /^class\b/.test(Function.prototype.toString.call(f));
}

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const result = call();
    if (result instanceof Promise) await result;
    return undefined;
  } catch (e) {
    return e;
  }
}

Deno.test({
  name: "every public function refuses garbage arguments with its own TypeError/RangeError",
  ignore: noGpu,
  fn: async () => {
    lib.setDefaultDevice(device);
    using ok = counting(device, [1, 1, 2, 2]);
    const problems: string[] = [];
    for (const [name, f] of publicFunctions()) {
      for (const [label, g] of GARBAGE) {
        // All arguments garbage, then a valid tensor first (reaching the later checks).
        for (const args of [[g, g, g, g, g], [ok, g, g, g, g]]) {
          const e = await outcome(() =>
            isClass(f)
              ? new (f as unknown as new (...a: unknown[]) => unknown)(...args)
              : f(...args)
          );
          if (e === undefined) continue; // accepted: e.g. a getter with no arguments
          const message = (e as Error)?.message ?? String(e);
          if (!(e instanceof TypeError || e instanceof RangeError) || INTERNAL.test(message)) {
            problems.push(`${name}(${args[0] === ok ? "tensor, " : ""}${label}…): ${message}`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  },
});

/** Expects `call` to throw (or reject with) `type` whose message matches `message`. */
async function refuses(
  call: () => unknown,
  type: ErrorConstructor,
  message: RegExp,
): Promise<void> {
  const e = await outcome(call);
  assert.ok(e instanceof type, `expected a ${type.name} matching ${message}, got ${e}`);
  assert.match((e as Error).message, message);
}

Deno.test({
  name: "silent acceptances of issue 14 are refused (item 5)",
  ignore: noGpu,
  fn: async () => {
    const config = (dim_n: number, heads: number) => ({
      modules_list: [{ module_name: "m", dim_n, heads, projection_mid_dim: null }],
    });
    await refuses(
      () => new lib.LinFusion(config(10, 4), { device }),
      RangeError,
      /modules_list\[0\]: heads \(4\) must divide dim_n \(10\)/,
    );
    await refuses(
      () =>
        new lib.GeneralizedLinearAttention({
          queryDim: 16,
          outDim: 12,
          dimHead: 8,
          projectionMidDim: -1,
          device,
        }),
      RangeError,
      /outDim \(12\) must be a multiple of dimHead \(8\)/,
    );
    const bias = "no" as unknown as boolean;
    await refuses(
      () =>
        new lib.GeneralizedLinearAttention({ queryDim: 16, heads: 2, dimHead: 8, bias, device }),
      TypeError,
      /^bias must be true or false, got "no"/,
    );
    await refuses(
      () => new lib.FocusedLinearAttention({ dim: 8, numPatches: 4, qkvBias: bias, device }),
      TypeError,
      /^qkvBias must be true or false/,
    );
    for (const seed of ["abc", NaN, 1.5]) {
      await refuses(
        () =>
          new lib.GeneralizedLinearAttention({
            queryDim: 8,
            heads: 1,
            dimHead: 8,
            seed: seed as number,
            device,
          }),
        TypeError,
        /options\.seed must be an integer/,
      );
    }
    using q = counting(device, [1, 1, 4, 2]);
    const options = "BTHD" as unknown as lib.SdpaOptions;
    await refuses(
      () => lib.scaledDotProductAttention(q, q, q, options),
      TypeError,
      /scaledDotProductAttention: options must be an object/,
    );
    await refuses(
      () => lib.naiveLinearAttention(q, q, q, options),
      TypeError,
      /naiveLinearAttention: options must be an object/,
    );
    await refuses(
      () => lib.Tensor.fromArray("abcd" as unknown as number[], [4]),
      TypeError,
      /^data must be a Float32Array.*got string/,
    );
    await refuses(
      () => lib.Tensor.fromArray([1, "2", 3] as unknown as number[], [3]),
      TypeError,
      /an array holding a non-number/,
    );
    using m = counting(device, [2, 2]);
    const yes = "yes" as unknown as boolean;
    await refuses(() => lib.nn.matmul(m, m, { transposeA: yes }), TypeError, /transposeA/);
    await refuses(() => lib.nn.sum(m, { keepDims: yes }), TypeError, /sum options\.keepDims/);
    const bogus = "bogus" as unknown as "default";
    await refuses(() => lib.requestDevice({ limits: bogus }), TypeError, /options\.limits/);
    await refuses(() => lib.requestDevice({ subgroups: yes }), TypeError, /options\.subgroups/);
    const empty = lib.serializeSafetensors({});
    const f64 = { dtype: "f64" as lib.DType };
    await refuses(() => lib.loadTensors(empty, device, f64), TypeError, /options\.dtype/);
  },
});

Deno.test({
  name: "wrong error types and unclear messages of issue 14 (items 6 and 7)",
  ignore: noGpu,
  fn: async () => {
    await refuses(
      () => new lib.LinFusion("{ modules_list: [", { device }),
      TypeError,
      /^config is not valid JSON/,
    );
    const layer = new lib.GeneralizedLinearAttention({ queryDim: 8, heads: 1, dimHead: 8, device });
    using x = counting(device, [1, 3, 8]);
    layer.dispose();
    await refuses(() => layer.forward(x), TypeError, /GeneralizedLinearAttention was disposed/);
    await refuses(() => layer.stateDict(), TypeError, /was disposed/);
    using fla = new lib.FocusedLinearAttention({ dim: 8, numHeads: 2, numPatches: 6, device });
    using tokens = counting(device, [1, 6, 8]);
    await refuses(
      () => fla.forward(tokens, { height: 2, width: 2 }),
      RangeError,
      /options\.height · options\.width \(2·2\) must equal the token count of x \[1, 6, 8\]/,
    );
    using w = counting(device, [3, 5]);
    await refuses(
      () => lib.nn.linear(x, w),
      RangeError,
      /^linear: x \[1,3,8\] and weight \[3,5\]ᵀ/,
    );
    await refuses(
      () => lib.nn.mean(x, { axis: "1" as unknown as number }),
      TypeError,
      /^mean options\.axis must be a number or \[first, last\], got "1"/,
    );
    await refuses(
      () =>
        new lib.LinFusion({
          modules_list: [{ module_name: "m", dim_n: 4, heads: 8, projection_mid_dim: null }],
        }, { device }),
      RangeError,
      /heads \(8\) must divide dim_n \(4\)/,
    );
    await refuses(
      () => lib.setDefaultDevice(null as unknown as GPUDevice),
      TypeError,
      /^device must be a GPUDevice, got null/,
    );
    await refuses(
      () => lib.Tensor.fromArray([1], [1], { device: {} as GPUDevice }),
      TypeError,
      /^options\.device must be a GPUDevice, got Object/,
    );
    await refuses(
      () => lib.Tensor.fromArray(null as unknown as number[], [1]),
      TypeError,
      /^data must be a Float32Array.*got null/,
    );
  },
});

Deno.test({
  name: "loadTensors skips non-float entries; a layer state dict names the I32 entry",
  ignore: noGpu,
  fn: async () => {
    // A file with an I32 entry between two float ones, written by hand (the writer only
    // writes floats).
    const header = JSON.stringify({
      a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      ids: { dtype: "I32", shape: [1], data_offsets: [4, 8] },
      b: { dtype: "F16", shape: [2], data_offsets: [8, 12] },
    });
    const json = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + json.length + 12);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    new DataView(bytes.buffer).setFloat32(8 + json.length, 2.5, true);
    const { tensors } = lib.loadTensors(bytes, device);
    assert.deepEqual([...tensors.keys()], ["a", "b"]);
    assert.deepEqual([...await tensors.get("a")!.read()], [2.5]);
    for (const t of tensors.values()) t.destroy();
    // A state dict needs every tensor: the I32 entry is a TypeError naming it.
    await refuses(
      () => lib.GeneralizedLinearAttention.fromSafetensors(bytes, { queryDim: 8, device }),
      TypeError,
      /^"ids": safetensors: dtype I32 is not a float dtype/,
    );
  },
});
