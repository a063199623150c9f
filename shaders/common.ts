/**
 * The ground floor of the kernels: what every WGSL generator needs and the runtime builds on
 * (storage dtypes, storage bindings and the uniform block by name, the grid split, `unroll`).
 * Imports nothing.
 * @module
 */

/** Storage dtypes. Arithmetic always accumulates in f32. */
export type DType = "f32" | "f16";

/**
 * WGSL helper: the flat index of this workgroup in a grid launched by the runtime's `launch`
 * (which splits large counts over y and z). Kernels must return when it is ≥ their count.
 */
export const FLAT_GROUP_WGSL = /* wgsl */ `
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }
`;

/** How a kernel uses a storage binding. */
export type Access = "read" | "read_write";

/**
 * A storage binding of a kernel, declared by the runtime as
 * `var<storage, access> name: array<type>` (and bound by name at launch).
 */
export interface StorageBinding {
  /** The WGSL variable name, also the key the launcher binds a tensor to. */
  name: string;
  access: Access;
  /** WGSL element type: `f32`, `f16`, `u32`, `vec4<f16>`, … */
  type: string;
}

/** A binding the kernel only reads. */
export function read(name: string, type: string): StorageBinding {
  return { name, access: "read", type };
}

/** A binding the kernel writes (and may read). */
export function readWrite(name: string, type: string): StorageBinding {
  return { name, access: "read_write", type };
}

/** Unrolls `body(i)` for i in [0, n), one per line. */
export function unroll(n: number, body: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => body(i)).join("\n");
}

/** Field types of a uniform block. */
export type UniformType = "u32" | "i32" | "f32";

/** A uniform struct declared once and used for both the WGSL text and the packing. */
export class UniformBlock<K extends string> {
  readonly fields: readonly [K, UniformType][];

  constructor(fields: Record<K, UniformType>) {
    this.fields = Object.entries(fields) as [K, UniformType][];
  }

  /** WGSL declaration of the struct and its binding (`var<uniform> u: Params`). */
  wgsl(binding: number): string {
    const body = this.fields.map(([k, t]) => `  ${k}: ${t},`).join("\n");
    return `struct Params {\n${body}\n}\n@group(0) @binding(${binding}) var<uniform> u: Params;\n`;
  }

  /** Packs `values` in field order, padded to 16 bytes. */
  pack(values: Record<K, number>): ArrayBuffer {
    const bytes = Math.max(16, Math.ceil((this.fields.length * 4) / 16) * 16);
    const buffer = new ArrayBuffer(bytes);
    const view = new DataView(buffer);
    this.fields.forEach(([k, t], i) => {
      const v = values[k];
      if (t === "f32") view.setFloat32(i * 4, v, true);
      else if (t === "i32") view.setInt32(i * 4, v, true);
      else view.setUint32(i * 4, v, true);
    });
    return buffer;
  }
}
