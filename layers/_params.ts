/**
 * Parameter tables shared by the layers: the state_dict names and shapes of a layer, checks of
 * a state dict against them (missing, unexpected, wrong shape), and a seeded random init.
 * Pure CPU code: the GPU layers and the float64 references both use it.
 * @module
 */
import {
  entryToFloat32,
  parseSafetensors,
  type SafetensorsFloatDType,
  type SafetensorsInput,
  serializeSafetensors,
} from "../ops/safetensors.ts";
import { rng } from "../ops/_random.ts";
import { rope2dRotationsData } from "../ops/nn/rope2d.ts";

/** How a parameter is initialised by {@linkcode randomParameters}. */
export type ParamRole =
  | "weight" // U(±1/√fanIn), like PyTorch's Linear/Conv2d
  | "bias" // U(±1/√fanIn)
  | "normWeight" // 1 + U(±0.1): LayerNorm γ, perturbed so that tests see it
  | "normBias" // U(±0.1)
  | "free" // U(±0.5): scale, power, positional_encoding (0 in the original's init)
  | "rotations"; // the RoPE buffer, computed (docs/math.md §6.2)

/** One state_dict entry of a layer. */
export interface ParamSpec {
  /** State_dict key, exactly as in PyTorch, e.g. `"to_out.0.bias"`. */
  name: string;
  /** Shape, as in PyTorch. */
  shape: readonly number[];
  /** Init rule. */
  role: ParamRole;
  /** Fan-in for `weight`/`bias` init. */
  fanIn?: number;
  /** `[Hr, Wr, F]` of the RoPE buffer, for `rotations`. */
  rope?: readonly [number, number, number];
}

/** A host-side tensor: row-major values and a shape. */
export interface HostTensor {
  /** Dimensions, outermost first. */
  shape: readonly number[];
  /** Row-major values. */
  data: Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;
}

/** Host-side parameters, keyed like the PyTorch state_dict. */
export type StateDict = Map<string, HostTensor>;

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/**
 * Throws unless `dict` holds exactly the entries of `specs` with their shapes; the message
 * lists every missing and unexpected key, or names the wrong shape.
 */
export function checkStateDict(
  dict: ReadonlyMap<string, HostTensor>,
  specs: readonly ParamSpec[],
  layer: string,
): void {
  if (!(dict instanceof Map)) {
    throw new TypeError(`${layer}: state dict must be a Map of name → { shape, data }`);
  }
  const expected = new Set(specs.map((s) => s.name));
  const missing = specs.filter((s) => !dict.has(s.name)).map((s) => s.name);
  const unexpected = [...dict.keys()].filter((k) => !expected.has(k));
  if (missing.length || unexpected.length) {
    const parts = [];
    if (missing.length) parts.push(`missing keys: ${missing.join(", ")}`);
    if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(", ")}`);
    throw new TypeError(`${layer}: state dict does not match the layer (${parts.join("; ")})`);
  }
  for (const spec of specs) {
    const t = dict.get(spec.name)!;
    const ok = Array.isArray(t.shape) && t.shape.length === spec.shape.length &&
      t.shape.every((d: number, i: number) => d === spec.shape[i]);
    if (!ok) {
      throw new RangeError(
        `${layer}: "${spec.name}" has shape ${fmt(t.shape ?? [])}, expected ${fmt(spec.shape)}`,
      );
    }
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      throw new TypeError(`${layer}: "${spec.name}".data must be a Float32Array or Float64Array`);
    }
    if (t.data.length !== sizeOf(spec.shape)) {
      throw new RangeError(
        `${layer}: "${spec.name}" has ${t.data.length} values for shape ${fmt(spec.shape)}`,
      );
    }
  }
}

/**
 * The tensors of a safetensors file as a state dict (F64, F32, F16 and BF16 read as float32;
 * other dtypes are a `TypeError` naming the key).
 */
export function stateDictFromSafetensors(bytes: Uint8Array): StateDict {
  const file = parseSafetensors(bytes);
  const dict: StateDict = new Map();
  for (const [name, entry] of file.tensors) {
    try {
      dict.set(name, { shape: entry.shape, data: entryToFloat32(entry) });
    } catch (e) {
      throw new TypeError(`"${name}": ${(e as Error).message}`);
    }
  }
  return dict;
}

/** A state dict as safetensors bytes, every tensor stored as `dtype` (default F32). */
export function stateDictToSafetensors(
  dict: ReadonlyMap<string, HostTensor>,
  dtype: SafetensorsFloatDType = "F32",
  metadata: Record<string, string> = {},
): Uint8Array<ArrayBuffer> {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const [name, t] of dict) tensors[name] = { dtype, shape: t.shape, data: t.data };
  return serializeSafetensors(tensors, metadata);
}

/**
 * Deterministic random parameters for `specs` (same seed → same values): PyTorch-style
 * uniform init for weights and biases, and non-trivial values for every other parameter so
 * that tests exercise them. The RoPE buffer is computed, not random.
 */
export function randomParameters(specs: readonly ParamSpec[], seed = 0): StateDict {
  const random = rng(seed);
  const u = (bound: number) => (2 * random() - 1) * bound;
  const dict: StateDict = new Map();
  for (const spec of specs) {
    const n = sizeOf(spec.shape);
    let data: Float64Array<ArrayBuffer>;
    if (spec.role === "rotations") {
      const [Hr, Wr, F] = spec.rope!;
      data = Float64Array.from(rope2dRotationsData(Hr, Wr, F));
    } else {
      const bound = spec.role === "weight" || spec.role === "bias"
        ? 1 / Math.sqrt(spec.fanIn!)
        : spec.role === "free"
        ? 0.5
        : 0.1;
      const offset = spec.role === "normWeight" ? 1 : 0;
      data = Float64Array.from({ length: n }, () => offset + u(bound));
    }
    dict.set(spec.name, { shape: [...spec.shape], data });
  }
  return dict;
}

/** `Map<name, Float64Array>` view of a state dict, as the float64 references take it. */
export function toFloat64(
  dict: ReadonlyMap<string, HostTensor>,
): Map<string, Float64Array<ArrayBuffer>> {
  return new Map([...dict].map(([k, t]) => [k, Float64Array.from(t.data)]));
}

/** Parameter specs of a `Linear(inF, outF, bias)` named `prefix`. */
export function linearSpecs(prefix: string, inF: number, outF: number, bias: boolean): ParamSpec[] {
  const specs: ParamSpec[] = [
    { name: `${prefix}.weight`, shape: [outF, inF], role: "weight", fanIn: inF },
  ];
  if (bias) specs.push({ name: `${prefix}.bias`, shape: [outF], role: "bias", fanIn: inF });
  return specs;
}

/** Parameter specs of a `LayerNorm(C)` named `prefix`. */
export function layerNormSpecs(prefix: string, C: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [C], role: "normWeight" },
    { name: `${prefix}.bias`, shape: [C], role: "normBias" },
  ];
}

/** Parameter specs of a `Conv2d` (depthwise when `inPerGroup = 1`) named `prefix`. */
export function convSpecs(
  prefix: string,
  outC: number,
  inPerGroup: number,
  kernel: number,
): ParamSpec[] {
  const fanIn = inPerGroup * kernel * kernel;
  return [
    { name: `${prefix}.weight`, shape: [outC, inPerGroup, kernel, kernel], role: "weight", fanIn },
    { name: `${prefix}.bias`, shape: [outC], role: "bias", fanIn },
  ];
}

/** Throws a `RangeError` unless `value` is a positive integer. */
export function checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** `value` when it is a boolean, `fallback` when undefined; else a `TypeError` naming `name`. */
export function checkBoolean(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws a `RangeError` unless `a` is a multiple of `b`. */
export function checkDivisible(a: number, b: number, what: string): void {
  if (a % b !== 0) throw new RangeError(`${what}: ${a} is not divisible by ${b}`);
}
