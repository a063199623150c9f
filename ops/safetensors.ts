/**
 * safetensors reader and writer (the Hugging Face format: an 8-byte little-endian header
 * length, a JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {…}}`, then the
 * raw little-endian tensor bytes). Byte-level functions work on `Uint8Array`s (read the file
 * with `Deno.readFile` or `fetch`); {@linkcode loadTensors} and {@linkcode saveTensors} move
 * the tensors to and from the GPU. F64, F32, F16 and BF16 convert to f32/f16 tensors; other
 * dtypes are listed by the parser but not converted.
 * @module
 */
import { decodeHalf, encodeHalf } from "./_runtime/half.ts";
import { checkDtype, type DType, Tensor } from "./_runtime/tensor.ts";
import { checkDevice } from "./_runtime/device_checks.ts";

/** Float dtypes this module converts. */
export type SafetensorsFloatDType = "F64" | "F32" | "F16" | "BF16";

const FLOAT_DTYPES: readonly string[] = ["F64", "F32", "F16", "BF16"];

/** Bytes per element of every dtype the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** Largest header the reader accepts (as the reference implementation: 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a parsed file: its dtype, shape and raw little-endian bytes (a view). */
export interface SafetensorsEntry {
  /** Format dtype, e.g. `"F32"`, `"BF16"`. */
  dtype: string;
  /** Dimensions (`[]` for a scalar). */
  shape: number[];
  /** The tensor's bytes inside the file buffer. */
  bytes: Uint8Array;
}

/** A parsed safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in header order. */
  tensors: Map<string, SafetensorsEntry>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function malformed(message: string): never {
  throw new RangeError(`safetensors: ${message}`);
}

function checkEntry(name: string, value: unknown, dataBytes: number) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    malformed(`entry ${JSON.stringify(name)} must be an object, got ${JSON.stringify(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) {
    malformed(`entry ${JSON.stringify(name)} has unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    malformed(`entry ${JSON.stringify(name)} has a bad shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1] ||
    offsets[1] > dataBytes
  ) {
    malformed(
      `entry ${JSON.stringify(name)} has data_offsets ${JSON.stringify(offsets)} outside the ` +
        `${dataBytes} data bytes`,
    );
  }
  const expected = shape.reduce((p: number, d: number) => p * d, 1) * DTYPE_BYTES[dtype];
  if (offsets[1] - offsets[0] !== expected) {
    malformed(
      `entry ${JSON.stringify(name)} (${dtype} [${shape.join(", ")}]) needs ${expected} bytes, ` +
        `its data_offsets span ${offsets[1] - offsets[0]}`,
    );
  }
  return {
    dtype,
    shape: shape as number[],
    begin: offsets[0] as number,
    end: offsets[1] as number,
  };
}

/**
 * Parses a safetensors file. Throws a `RangeError` starting with "safetensors:" for a
 * malformed file: truncated, header length out of range, invalid JSON, unknown dtype,
 * offsets that disagree with dtype·shape, overlap, leave holes or leave bytes unused.
 *
 * @example
 * ```ts
 * import { parseSafetensors, serializeSafetensors } from "@flash-bla/flash-bla";
 * const bytes = serializeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } });
 * const file = parseSafetensors(bytes);
 * console.log(file.tensors.get("w")); // { dtype: "F32", shape: [2], bytes: Uint8Array(8) }
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length < 8) {
    malformed(`file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = Number(view.getBigUint64(0, true));
  if (headerBytes > MAX_HEADER_BYTES || headerBytes > bytes.length - 8) {
    malformed(`header length ${headerBytes} exceeds the file (${bytes.length} bytes) or 100 MB`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)),
    );
  } catch (e) {
    malformed(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    malformed("header must be a JSON object");
  }
  const data = bytes.subarray(8 + headerBytes);
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        malformed("__metadata__ must be an object of strings");
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") {
          malformed(`__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        }
        metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, begin, end } = checkEntry(name, value, data.length);
    spans.push({ name, begin, end });
    tensors.set(name, { dtype, shape, bytes: data.subarray(begin, end) });
  }
  // The data must be exactly the tensors, back to back (as the reference implementation).
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const { name, begin, end } of spans) {
    if (begin !== cursor) {
      malformed(
        `entry ${JSON.stringify(name)} starts at ${begin}, expected ${cursor} (overlap or hole)`,
      );
    }
    cursor = end;
  }
  if (cursor !== data.length) malformed(`${data.length - cursor} data bytes after the last tensor`);
  return { tensors, metadata };
}

function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/**
 * Converts a float entry (F64, F32, F16, BF16) to f32 values. BF16 widens exactly; F64 rounds.
 *
 * @example
 * ```ts
 * import { entryToFloat32, parseSafetensors, serializeSafetensors } from "@flash-bla/flash-bla";
 * const bytes = serializeSafetensors({ w: { dtype: "BF16", shape: [2], data: new Float32Array([1, 2]) } });
 * console.log(entryToFloat32(parseSafetensors(bytes).tensors.get("w")!)); // Float32Array [1, 2]
 * ```
 */
export function entryToFloat32(entry: SafetensorsEntry): Float32Array<ArrayBuffer> {
  if (typeof entry !== "object" || entry === null || !(entry.bytes instanceof Uint8Array)) {
    throw new TypeError("entry must be a SafetensorsEntry ({ dtype, shape, bytes })");
  }
  if (!LITTLE_ENDIAN) throw new Error("safetensors: big-endian platforms are not supported");
  switch (entry.dtype) {
    case "F32":
      return new Float32Array(aligned(entry.bytes));
    case "F64":
      return Float32Array.from(new Float64Array(aligned(entry.bytes)));
    case "F16":
      return decodeHalf(new Uint16Array(aligned(entry.bytes)));
    case "BF16": {
      const bits = new Uint16Array(aligned(entry.bytes));
      const wide = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
      return new Float32Array(wide.buffer);
    }
    default:
      throw new TypeError(
        `safetensors: dtype ${entry.dtype} is not a float dtype (F64, F32, F16, BF16)`,
      );
  }
}

/** A tensor to write: values (f16/bf16 may be given as raw bits in a `Uint16Array`). */
export interface SafetensorsInput {
  /** Format dtype to store. */
  dtype: SafetensorsFloatDType;
  /** Dimensions (`[]` for a scalar). */
  shape: readonly number[];
  /** Values, or raw binary16/bfloat16 bits as `Uint16Array` for F16/BF16. */
  data: Float32Array | Float64Array | Uint16Array | readonly number[];
}

function toBf16Bits(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  const f32 = Float32Array.from(values), u32 = new Uint32Array(f32.buffer);
  const out = new Uint16Array(f32.length);
  for (let i = 0; i < f32.length; i++) {
    const u = u32[i];
    // Round to nearest even; NaN stays a quiet NaN.
    out[i] = Number.isNaN(f32[i]) ? 0x7fc0 : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

function encode(name: string, t: SafetensorsInput): Uint8Array {
  if (typeof t !== "object" || t === null || !Array.isArray(t.shape) || !t.data) {
    throw new TypeError(`tensors.${name} must be { dtype, shape, data }`);
  }
  const n = t.shape.reduce((p, d) => p * d, 1);
  if (t.data.length !== n) {
    throw new RangeError(
      `tensors.${name}: ${t.data.length} values for shape [${t.shape.join(", ")}]`,
    );
  }
  const bits = t.data instanceof Uint16Array;
  if (bits && t.dtype !== "F16" && t.dtype !== "BF16") {
    throw new TypeError(`tensors.${name}: Uint16Array data (raw bits) needs dtype F16 or BF16`);
  }
  let typed: ArrayBufferView;
  switch (t.dtype) {
    case "F64":
      typed = Float64Array.from(t.data);
      break;
    case "F32":
      typed = Float32Array.from(t.data);
      break;
    case "F16":
      typed = bits ? t.data as Uint16Array : encodeHalf(Array.from(t.data));
      break;
    case "BF16":
      typed = bits ? t.data as Uint16Array : toBf16Bits(t.data);
      break;
    default:
      throw new TypeError(
        `tensors.${name}.dtype must be F64, F32, F16 or BF16, got ${JSON.stringify(t.dtype)}`,
      );
  }
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * Serialises tensors (in the given order) and optional string metadata to safetensors bytes.
 * The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 *
 * @example
 * ```ts
 * import { serializeSafetensors } from "@flash-bla/flash-bla";
 * const bytes = serializeSafetensors(
 *   { "to_q.weight": { dtype: "F16", shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) } },
 *   { format: "pt" },
 * );
 * await Deno.writeFile("/tmp/example.safetensors", bytes);
 * ```
 */
export function serializeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Uint8Array<ArrayBuffer> {
  if (!LITTLE_ENDIAN) throw new Error("safetensors: big-endian platforms are not supported");
  for (const [name, value] of [["tensors", tensors], ["metadata", metadata]] as const) {
    if (typeof value !== "object" || value === null) {
      throw new TypeError(`${name} must be an object, got ${String(value)}`);
    }
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new TypeError(`metadata.${k} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new RangeError(`"__metadata__" is not a valid tensor name`);
    const chunk = encode(name, t);
    header[name] = {
      dtype: t.dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + chunk.length],
    };
    chunks.push(chunk);
    offset += chunk.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(padded - json.length));
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Options of {@linkcode loadTensors}. */
export interface LoadTensorsOptions {
  /** Storage dtype of the created tensors; default `"f32"`. F16 data loads bit-exactly as f16. */
  dtype?: DType;
}

/**
 * Uploads every float tensor of a safetensors file to `device`, converted to `options.dtype`
 * (F64/F32/BF16 → f32 then rounded for f16; F16 → f16 bit-exact). Scalars become shape `[1]`.
 * Entries of other dtypes (integers, BOOL, F8) are skipped: {@linkcode parseSafetensors} lists
 * them. Returns the tensors by name and the file's metadata.
 *
 * @example
 * ```ts
 * import { getDefaultDevice } from "@flash-bla/flash-bla";
 * import { loadTensors } from "@flash-bla/flash-bla";
 * const bytes = await Deno.readFile("/tmp/example.safetensors");
 * const { tensors } = loadTensors(bytes, await getDefaultDevice(), { dtype: "f16" });
 * console.log(tensors.get("to_q.weight")?.shape);
 * ```
 */
export function loadTensors(
  bytes: Uint8Array,
  device: GPUDevice,
  options: LoadTensorsOptions = {},
): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  checkDevice(device, "device");
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${String(options)}`);
  }
  const dtype = options.dtype ?? "f32";
  checkDtype(device, dtype, "options.dtype");
  const file = parseSafetensors(bytes);
  const tensors = new Map<string, Tensor>();
  let current = "";
  try {
    for (const [name, entry] of file.tensors) {
      if (!FLOAT_DTYPES.includes(entry.dtype)) continue;
      current = name;
      const shape = entry.shape.length === 0 ? [1] : entry.shape;
      const data = entry.dtype === "F16" && dtype === "f16"
        ? new Uint16Array(aligned(entry.bytes))
        : entryToFloat32(entry);
      tensors.set(name, Tensor.fromArraySync(device, data, shape, dtype));
    }
  } catch (e) {
    for (const t of tensors.values()) t.destroy();
    if (e instanceof Error) e.message = `entry ${JSON.stringify(current)}: ${e.message}`;
    throw e;
  }
  return { tensors, metadata: file.metadata };
}

/** Options of {@linkcode saveTensors}. */
export interface SaveTensorsOptions {
  /** Stored dtype; default F32 for f32 tensors and F16 for f16 tensors. */
  dtype?: SafetensorsFloatDType;
  /** `__metadata__` strings. */
  metadata?: Record<string, string>;
}

/**
 * Reads GPU tensors back and serialises them to safetensors bytes (f16 tensors stored as F16
 * keep their exact bits).
 *
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { saveTensors } from "@flash-bla/flash-bla";
 * using w = await Tensor.fromArray([1, 2, 3], [3]);
 * const bytes = await saveTensors({ "proj.bias": w }, { dtype: "BF16" });
 * await Deno.writeFile("/tmp/proj.safetensors", bytes);
 * ```
 */
export async function saveTensors(
  tensors: Record<string, Tensor> | Map<string, Tensor>,
  options: SaveTensorsOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof tensors !== "object" || tensors === null) {
    throw new TypeError(`tensors must be an object or Map of Tensors, got ${String(tensors)}`);
  }
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const inputs: Record<string, SafetensorsInput> = {};
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`tensors.${name} must be a Tensor`);
    const dtype = options.dtype ?? (t.dtype === "f16" ? "F16" : "F32");
    const data = t.dtype === "f16" && dtype === "F16" ? await t.readRaw() : await t.read();
    inputs[name] = { dtype, shape: t.shape, data };
  }
  return serializeSafetensors(inputs, options.metadata);
}
