/**
 * Kernels as data: a name, compile-time constants, storage bindings and uniforms by name, and
 * a WGSL generator. The runtime declares the bindings in the WGSL and binds them by name.
 * Pipelines are cached per device by name + constants (never by sequence length or batch:
 * shapes go in a uniform), with explicit bind-group layouts.
 * @module
 */
import { type DeviceContext, deviceContext } from "./device.ts";
import { paddedBytes, storageBuffer, type Tensor } from "./tensor.ts";
import type { StorageBinding, UniformBlock } from "../../shaders/common.ts";

export {
  type Access,
  FLAT_GROUP_WGSL,
  read,
  readWrite,
  type StorageBinding,
  UniformBlock,
  type UniformType,
} from "../../shaders/common.ts";

/**
 * A compute kernel: storage bindings 0..n-1 in `storage` order, then the uniform block `u` at
 * binding n (bound in the uniform arena at a dynamic offset, ops/_runtime/uniforms.ts).
 */
export interface Kernel<U extends string = string> {
  /** Kernel name, shown in compile errors. */
  name: string;
  /** Compile-time constants (tile sizes, dtype, variant): with `name`, the cache key. */
  constants: Record<string, string | number | boolean>;
  /** The storage bindings, declared once here (the runtime writes their WGSL declarations). */
  storage: readonly StorageBinding[];
  /** The uniform block, declared as `var<uniform> u: Params`. */
  uniforms: UniformBlock<U>;
  /**
   * Generates the WGSL after the declarations (entry point `main`; `enable` directives first,
   * the runtime puts the declarations after them); called once per cache key.
   */
  wgsl: () => string;
}

/** Workgroups along one dispatch dimension (WebGPU's guaranteed limit). */
export const MAX_GROUPS_PER_DIM = 65535;

/**
 * Whether this platform's WGSL compiler wants `enable subgroups;` before subgroup builtins:
 * Tint (browsers, Dawn in Node) requires it, Deno's Naga rejects it.
 */
const SUBGROUPS_DIRECTIVE = !(globalThis.navigator?.userAgent ?? "").startsWith("Deno/");
const USES_SUBGROUPS = /\bsubgroup[A-Z]\w*\s*\(|@builtin\(subgroup_/;

/**
 * The complete WGSL of `kernel`: its leading `enable` directives (plus `enable subgroups;`
 * where the platform wants it), the declarations of its storage bindings and uniform block,
 * then the rest of its code.
 */
export function kernelWgsl(kernel: Kernel): string {
  const code = kernel.wgsl();
  const subgroups = SUBGROUPS_DIRECTIVE && USES_SUBGROUPS.test(code) ? "enable subgroups;\n" : "";
  const directives = subgroups + code.match(/^(\s*enable [^;]*;)*\s*/)![0];
  const storage = kernel.storage.map(({ name, access, type }, binding) =>
    `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${type}>;\n`
  );
  return directives + storage.join("") + kernel.uniforms.wgsl(kernel.storage.length) +
    code.slice(directives.length - subgroups.length);
}

function layoutFor(ctx: DeviceContext, kernel: Kernel): GPUBindGroupLayout {
  const entries: GPUBindGroupLayoutEntry[] = kernel.storage.map(({ access }, binding) => ({
    binding,
    visibility: 4, /* GPUShaderStage.COMPUTE */
    buffer: { type: access === "read" ? "read-only-storage" : "storage" },
  }));
  entries.push({
    binding: kernel.storage.length,
    visibility: 4,
    buffer: { type: "uniform", hasDynamicOffset: true },
  });
  return ctx.device.createBindGroupLayout({ label: kernel.name, entries });
}

/** The cached pipeline for `kernel` on this device, compiled on first use. */
export function pipelineFor(
  ctx: DeviceContext,
  kernel: Kernel,
): GPUComputePipeline {
  const key = `${kernel.name}:${JSON.stringify(kernel.constants)}`;
  let pipeline = ctx.pipelines.get(key);
  if (!pipeline) {
    const code = kernelWgsl(kernel);
    const module = ctx.device.createShaderModule({ label: key, code });
    module.getCompilationInfo().then((info) => {
      for (const m of info.messages) {
        if (m.type !== "error") continue;
        const line = code.split("\n")[m.lineNum - 1] ?? "";
        console.error(`flash-bla kernel ${key}: ${m.message} at line ${m.lineNum}: ${line}`);
      }
    });
    pipeline = ctx.errors.scoped(key, () => {
      const layout = ctx.device.createPipelineLayout({
        bindGroupLayouts: [layoutFor(ctx, kernel)],
      });
      return ctx.device.createComputePipeline({
        label: key,
        layout,
        compute: { module, entryPoint: "main" },
      });
    });
    ctx.pipelines.set(key, pipeline);
    groupLayouts.set(pipeline, pipeline.getBindGroupLayout(0));
  }
  return pipeline;
}

const groupLayouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();

/** A storage binding: a whole tensor, or a window of a buffer. */
export type StorageArg = Tensor | GPUBufferBinding;

/** Arguments of {@linkcode launch}. */
export interface LaunchArgs<U extends string = string> {
  /** What to bind to each storage binding of the kernel, by name (`undefined`: not given). */
  storage: Record<string, StorageArg | undefined>;
  /** The uniform values, by name. */
  uniforms: Record<U, number>;
  /** Number of workgroups; counts over 65 535 are split over y (and z), see `flat_group`. */
  groups: number;
}

function asBinding(arg: StorageArg): GPUBufferBinding {
  return "shape" in arg ? { buffer: storageBuffer(arg), offset: 0, size: paddedBytes(arg) } : arg;
}

/** What to bind to each of `kernel`'s storage bindings (in binding order), found by name. */
function storageBindings(
  kernel: Kernel,
  given: Record<string, StorageArg | undefined>,
): GPUBufferBinding[] {
  const declared = new Set(kernel.storage.map((b) => b.name));
  const extra = Object.keys(given).filter((name) => given[name] && !declared.has(name));
  const missing = [...declared].filter((name) => !given[name]);
  if (extra.length || missing.length) {
    throw new Error(
      `flash-bla kernel ${kernel.name}: storage bindings [${[...declared].join(", ")}], ` +
        `given [${Object.keys(given).filter((name) => given[name]).join(", ")}]`,
    );
  }
  return kernel.storage.map(({ name }) => asBinding(given[name]!));
}

let launchListener: { listen: (kernel: Kernel) => void; dispatch: boolean } | undefined;

/**
 * Calls `listen` with every kernel launched from now on (`undefined` stops): the WGSL snapshot
 * test and `deno task wgsl` read the generated code of each variant this way. With
 * `dispatch: false` launches record nothing (no compile, no work; outputs stay unwritten).
 */
export function onLaunch(
  listen: ((kernel: Kernel) => void) | undefined,
  options: { dispatch?: boolean } = {},
): void {
  launchListener = listen && { listen, dispatch: options.dispatch ?? true };
}

/**
 * Records one dispatch of `kernel` on `device`: its uniforms go to the uniform arena, its bind
 * group comes from the cache when every buffer is the runtime's.
 */
export function launch<U extends string>(
  device: GPUDevice,
  kernel: Kernel<U>,
  args: LaunchArgs<U>,
): void {
  const storage = storageBindings(kernel, args.storage);
  if (launchListener) {
    launchListener.listen(kernel);
    if (!launchListener.dispatch) return;
  }
  if (args.groups <= 0) return;
  const ctx = deviceContext(device);
  ctx.errors.checkLost();
  const x = Math.min(args.groups, MAX_GROUPS_PER_DIM);
  const rest = Math.ceil(args.groups / x);
  const y = Math.min(rest, MAX_GROUPS_PER_DIM);
  const z = Math.ceil(rest / y);
  if (z > MAX_GROUPS_PER_DIM) {
    throw new RangeError(`flash-bla kernel ${kernel.name}: ${args.groups} workgroups is too many`);
  }
  const pipeline = pipelineFor(ctx, kernel);
  const packed = kernel.uniforms.pack(args.uniforms);
  const uniform = ctx.recorder.uniforms(packed);
  const entries = [...storage, { buffer: uniform.buffer, offset: 0, size: packed.byteLength }];
  const bindGroup = ctx.bindGroups.get(
    pipeline,
    entries,
    () =>
      ctx.errors.scoped(kernel.name, () =>
        device.createBindGroup({
          label: kernel.name,
          layout: groupLayouts.get(pipeline)!,
          entries: entries.map((resource, binding) => ({ binding, resource })),
        })),
  );
  ctx.recorder.dispatch(kernel.name, pipeline, bindGroup, uniform.offset, x, y, z);
}
