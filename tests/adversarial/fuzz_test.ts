/**
 * Seeded fuzzing of the parsers: mutated safetensors files and random layer / LinFusion
 * configurations are either refused with a TypeError/RangeError of the library's own, or
 * accepted consistently (an accepted file's entries tile its data exactly; an accepted config
 * resolves to dimensions that multiply out).
 */
import assert from "node:assert/strict";
import { freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import {
  LinFusion,
  loadTensors,
  parseSafetensors,
  type SafetensorsFloatDType,
  serializeSafetensors,
} from "../../mod.ts";
import { resolveGeneralizedLinearAttention } from "../../layers/linfusion_config.ts";
import {
  resolveFocusedLinearAttention,
  resolvePolaLinearAttention,
} from "../../layers/focused_config.ts";
import {
  resolveMambaLikeLinearAttention,
  resolveRALALinearAttention,
} from "../../layers/rope_layers_config.ts";

const device = (await testDevice())!;

// Two fixed seeds (reproducible) and a fresh one per run (printed on failure).
const SEEDS = [1, 2, freshSeed()];

const UPLOADS_PER_SEED = 20;

const INTERNAL =
  /Cannot read|Cannot convert|is not a function|is not iterable|is not a constructor/;

/** Runs `call`; an error must be the library's own TypeError/RangeError. */
function acceptedOrRefused(call: () => void, what: string): boolean {
  try {
    call();
    return true;
  } catch (e) {
    const ok = (e instanceof TypeError || e instanceof RangeError) &&
      !INTERNAL.test(e.message);
    assert.ok(ok, `${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
    return false;
  }
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)];

const BYTES: Record<SafetensorsFloatDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

function randomFile(random: Random): Uint8Array<ArrayBuffer> {
  const tensors: Parameters<typeof serializeSafetensors>[0] = {};
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const shape = Array.from(
      { length: Math.floor(random() * 3) },
      () => 1 + Math.floor(random() * 4),
    );
    const n = shape.reduce((a, b) => a * b, 1);
    tensors[`t${i}`] = {
      dtype: pick(random, Object.keys(BYTES) as SafetensorsFloatDType[]),
      shape,
      data: Float32Array.from({ length: n }, () => random() * 4 - 2),
    };
  }
  return serializeSafetensors(tensors, random() < 0.5 ? { format: "pt" } : {});
}

const ODD_VALUES: unknown[] = [
  -1,
  0,
  1.5,
  2 ** 53,
  1e300,
  "4",
  null,
  [],
  [0],
  [0, 1, 2],
  {},
  true,
  "F32",
  "I32",
];

/** Rewrites one field of one header entry (or the metadata) with an odd value. */
function mutateHeader(bytes: Uint8Array, random: Random): Uint8Array {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const names = Object.keys(header);
  const name = pick(random, names);
  const value = pick(random, ODD_VALUES);
  if (name === "__metadata__" || random() < 0.1) header[name] = value;
  else if (random() < 0.2) header[name].shape = [...header[name].shape, pick(random, [0, 1, 2])];
  else header[name][pick(random, ["dtype", "shape", "data_offsets"])] = value;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(8 + length);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A byte-level mutation: flipped bytes, a truncation, or extra bytes. */
function mutateBytes(bytes: Uint8Array, random: Random): Uint8Array {
  const out = bytes.slice();
  const kind = pick(random, ["flip", "flip-length", "truncate", "extend"]);
  if (kind === "truncate") return out.subarray(0, Math.floor(random() * out.length));
  if (kind === "extend") {
    return new Uint8Array([...out, ...[0, 1, 2, 3].slice(0, 1 + random() * 3)]);
  }
  const flips = 1 + Math.floor(random() * 3);
  for (let i = 0; i < flips; i++) {
    const at = kind === "flip-length"
      ? Math.floor(random() * 8)
      : Math.floor(random() * out.length);
    out[at] ^= 1 << Math.floor(random() * 8);
  }
  return out;
}

/** What an accepted file must satisfy: entries tile the data, each with dtype·shape bytes. */
function checkConsistent(bytes: Uint8Array, what: string): void {
  const file = parseSafetensors(bytes);
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  let total = 0;
  for (const [name, e] of file.tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const per = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1 }[e.dtype];
    if (per !== undefined) assert.equal(e.bytes.length, n * per, `${what}: ${name}`);
    total += e.bytes.length;
  }
  assert.equal(total, bytes.length - 8 - length, `${what}: entries tile the data`);
}

for (const seed of SEEDS) {
  Deno.test({
    name:
      `safetensors fuzz: 300 mutated files refused cleanly or parsed consistently (seed ${seed})`,
    ignore: noGpu,
    fn: () => {
      const random = rng(seed);
      let accepted = 0;
      for (let i = 0; i < 300; i++) {
        const original = randomFile(random);
        const bytes = random() < 0.6
          ? mutateHeader(original, random)
          : mutateBytes(original, random);
        const what = `seed ${seed}, file ${i}`;
        if (!acceptedOrRefused(() => parseSafetensors(bytes), what)) continue;
        accepted++;
        checkConsistent(bytes, what);
        // Uploads only for the first accepted files: Deno 2.9 sometimes aborts at exit after
        // thousands of buffer creations (heap corruption in its WebGPU teardown).
        if (accepted > UPLOADS_PER_SEED) continue;
        acceptedOrRefused(() => {
          const { tensors } = loadTensors(bytes, device);
          for (const t of tensors.values()) t.destroy();
        }, `${what} (loadTensors)`);
      }
      // Flips inside the tensor data keep a file valid: some mutations must be accepted.
      assert.ok(accepted > 0, `seed ${seed}: no mutated file was accepted`);
    },
  });
}

const ODD_OPTIONS: unknown[] = [
  undefined,
  null,
  -1,
  0,
  1,
  2,
  3,
  4,
  6,
  8,
  12,
  1.5,
  NaN,
  "8",
  true,
  1e9,
];

function randomOptions(random: Random, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, pick(random, ODD_OPTIONS)]));
}

for (const seed of SEEDS) {
  Deno.test({
    name: `layer option fuzz: resolvers refuse or resolve consistently (seed ${seed})`,
    fn: () => {
      const random = rng(seed);
      const resolvers: [
        string,
        (o: never) => { specs: { shape: readonly number[] }[] },
        string[],
      ][] = [
        ["GeneralizedLinearAttention", resolveGeneralizedLinearAttention, [
          "queryDim",
          "crossAttentionDim",
          "heads",
          "dimHead",
          "bias",
          "outBias",
          "outDim",
          "projectionMidDim",
        ]],
        ["FocusedLinearAttention", resolveFocusedLinearAttention, [
          "dim",
          "numPatches",
          "numHeads",
          "qkvBias",
          "srRatio",
          "kernelSize",
          "focusingFactor",
        ]],
        ["PolaLinearAttention", resolvePolaLinearAttention, [
          "dim",
          "numPatches",
          "numHeads",
          "alpha",
        ]],
        ["MambaLikeLinearAttention", resolveMambaLikeLinearAttention, [
          "dim",
          "numHeads",
          "qkvBias",
        ]],
        ["RALALinearAttention", resolveRALALinearAttention, ["dim", "numHeads"]],
      ];
      for (let i = 0; i < 2000; i++) {
        const [name, resolve, keys] = pick(random, resolvers);
        const options = randomOptions(random, keys);
        if (keys.includes("numHeads") && name.includes("L") && random() < 0.5) {
          options.inputResolution = [pick(random, ODD_OPTIONS), pick(random, ODD_OPTIONS)];
        }
        const what = `seed ${seed}, ${name}(${JSON.stringify(options)})`;
        let config: ReturnType<typeof resolve> | undefined;
        if (!acceptedOrRefused(() => config = resolve(options as never), what)) continue;
        const c = config as unknown as {
          heads: number;
          headDim: number;
          specs: { shape: number[] }[];
        };
        assert.ok(Number.isInteger(c.heads) && c.heads >= 1, `${what}: heads ${c.heads}`);
        assert.ok(Number.isInteger(c.headDim) && c.headDim >= 1, `${what}: headDim ${c.headDim}`);
        for (const s of c.specs) {
          assert.ok(s.shape.every((d) => Number.isInteger(d) && d >= 1), `${what}: ${s.shape}`);
        }
      }
    },
  });
}

for (const seed of SEEDS) {
  Deno.test({
    name: `LinFusion config fuzz: JSON text and entries refused cleanly or built (seed ${seed})`,
    ignore: noGpu,
    fn: () => {
      const random = rng(seed);
      // Half the sizes are plausible, so that some configs are built and checked.
      const size = () => random() < 0.5 ? pick(random, [2, 4, 8]) : pick(random, ODD_OPTIONS);
      let built = 0;
      for (let i = 0; i < 150; i++) {
        const entries = Array.from({ length: 1 + Math.floor(random() * 2) }, (_, j) => ({
          module_name: random() < 0.9 ? `m${j}` : pick(random, ODD_OPTIONS),
          dim_n: size(),
          heads: size(),
          projection_mid_dim: pick(random, [null, -1, 4, 8, 1.5, "8"]),
        }));
        let text = JSON.stringify({ _class_name: "LinFusion", modules_list: entries });
        if (random() < 0.3) {
          const at = Math.floor(random() * text.length);
          text = random() < 0.5
            ? text.slice(0, at)
            : text.slice(0, at) + pick(random, ["}", "[", ",", '"']) + text.slice(at);
        }
        const what = `seed ${seed}, config ${text}`;
        built += Number(acceptedOrRefused(() => {
          const model = new LinFusion(text, { device });
          for (const [k, layer] of model.modules) {
            const entry = model.config.modules_list.find((e) => e.module_name === k)!;
            assert.equal(layer.config.heads, entry.heads, `${what}: heads of ${k}`);
            assert.equal(layer.config.inner, entry.dim_n, `${what}: width of ${k}`);
          }
          model.dispose();
        }, what));
      }
      assert.ok(built > 0, `seed ${seed}: no config was built`);
    },
  });
}
