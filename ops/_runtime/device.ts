/**
 * Device acquisition and per-device state (kernel cache, command recorder, buffer pool,
 * bind-group cache, GPU error record).
 *
 * Library code uses only web-standard WebGPU APIs so that it runs in Deno and in browsers.
 * @module
 */
import { checkDevice } from "./device_checks.ts";
import { MAX_PENDING_DISPATCHES, Recorder } from "./recorder.ts";
import { BindGroupCache } from "./bind_groups.ts";
import { type GpuErrorRecord, GpuErrors } from "./gpu_errors.ts";
import { BufferPool, type MemoryInfo } from "./pool.ts";
import { UniformArena } from "./uniforms.ts";

/** Options for {@linkcode requestDevice}. */
export interface RequestDeviceOptions {
  /** Adapter preference; defaults to `"high-performance"`. */
  powerPreference?: GPUPowerPreference;
  /**
   * `"adapter"` (default) requests the adapter's real limits (buffer and binding sizes,
   * workgroup storage); `"default"` keeps WebGPU's default limits (128 MiB bindings).
   */
  limits?: "adapter" | "default";
  /**
   * Request the `subgroups` feature (default `true`). Deno's adapters do not list it in
   * `adapter.features` although devices requested with it work, so it is asked for and the
   * request retried without it when refused. `false` gives a device on the kernels' portable
   * path (what browsers without subgroups run).
   */
  subgroups?: boolean;
  /**
   * The WebGPU entry point to use instead of `navigator.gpu`: in Node, `create([])` from the npm
   * `webgpu` package (Dawn), see docs/node.md.
   */
  gpu?: GPU;
}

/** Limits the runtime asks for when `limits: "adapter"`. */
const REQUESTED_LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxStorageBuffersPerShaderStage",
] as const;

/** Optional features the runtime uses when the adapter offers them. */
const WANTED_FEATURES: GPUFeatureName[] = ["shader-f16", "timestamp-query"];

function gpuApi(): GPU {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) {
    throw new Error(
      "flash-bla: WebGPU is not available here (navigator.gpu is undefined). " +
        "Use Deno ≥ 2 or a browser with WebGPU; in Node, pass a WebGPU implementation: " +
        "requestDevice({ gpu: create([]) }) with the npm `webgpu` package (docs/node.md).",
    );
  }
  return gpu;
}

/**
 * Requests a WebGPU device set up for flash-bla: the adapter's real limits, plus
 * `shader-f16`, `timestamp-query` and `subgroups` when offered.
 *
 * @example
 * ```ts
 * import { requestDevice } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * console.log(device.features.has("shader-f16"));
 * ```
 */
export async function requestDevice(options: RequestDeviceOptions = {}): Promise<GPUDevice> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${String(options)}`);
  }
  const limits = options.limits ?? "adapter", subgroups = options.subgroups ?? true;
  if (limits !== "adapter" && limits !== "default") {
    throw new TypeError(`options.limits must be "adapter" or "default", got ${String(limits)}`);
  }
  if (typeof subgroups !== "boolean") {
    throw new TypeError(`options.subgroups must be true or false, got ${String(subgroups)}`);
  }
  const adapter = await (options.gpu ?? gpuApi()).requestAdapter({
    powerPreference: options.powerPreference ?? "high-performance",
  });
  if (!adapter) {
    throw new Error(
      "flash-bla: no WebGPU adapter found. On a machine without a GPU, install Mesa's " +
        "Vulkan drivers (Debian: apt-get install mesa-vulkan-drivers) to get a CPU adapter " +
        "(Deno and browsers; Node's `webgpu` package needs a GPU: docs/node.md).",
    );
  }
  const requiredLimits: Record<string, number> = {};
  if (limits === "adapter") {
    for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  let device: GPUDevice | undefined;
  if (subgroups) {
    try {
      device = await adapter.requestDevice({
        requiredLimits,
        requiredFeatures: [...requiredFeatures, "subgroups" as GPUFeatureName],
      });
    } catch {
      // The adapter has no subgroups: the portable path below.
    }
  }
  device ??= await adapter.requestDevice({ requiredLimits, requiredFeatures });
  adapterOf.set(device, adapter);
  return device;
}

/**
 * Subgroup size of `device` when it has the `subgroups` feature, else `undefined` (kernels
 * take their portable path). Read from the adapter's `subgroupMinSize`/`subgroupMaxSize`;
 * kernels that depend on the size check `subgroup_size` at run time too.
 */
export function subgroupSize(device: GPUDevice): number | undefined {
  if (!device.features.has("subgroups" as GPUFeatureName)) return undefined;
  const info = (adapterOf.get(device)?.info ?? (device as { adapterInfo?: GPUAdapterInfo })
    .adapterInfo) as
      | (GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number })
      | undefined;
  const min = info?.subgroupMinSize, max = info?.subgroupMaxSize;
  return min !== undefined && min === max ? min : undefined;
}

/**
 * Whether `device` runs on the CPU (lavapipe/llvmpipe, SwiftShader, WARP): its "GPU" work then
 * competes with the host's recording for the same cores.
 */
export function runsOnCpu(device: GPUDevice): boolean {
  const info = (adapterOf.get(device)?.info ??
    (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo) as
      | (GPUAdapterInfo & { isFallbackAdapter?: boolean })
      | undefined;
  return info?.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|warp|software/i.test(`${info?.description} ${info?.device}`);
}

/**
 * Keeps each device's adapter alive as long as the device: Deno 2.9 panics ("Adapter does not
 * exist") when a GPUAdapter is garbage-collected while its device is still in use.
 */
const adapterOf = new WeakMap<GPUDevice, GPUAdapter>();

let defaultDevice: Promise<GPUDevice> | undefined;

/**
 * The device ops use when none is passed: requested once with {@linkcode requestDevice},
 * or the one given to {@linkcode setDefaultDevice}.
 */
export function getDefaultDevice(): Promise<GPUDevice> {
  defaultDevice ??= requestDevice();
  return defaultDevice;
}

/** Makes `device` (for example one created by the application) the default device. */
export function setDefaultDevice(device: GPUDevice): void {
  defaultDevice = Promise.resolve(checkDevice(device, "device"));
}

export type { GpuErrorRecord, MemoryInfo };

/** Per-device runtime state. */
export interface DeviceContext {
  /** The device. */
  device: GPUDevice;
  /** Records dispatches until the next submit. */
  recorder: Recorder;
  /** Compiled pipelines, keyed by kernel name and compile-time constants. */
  pipelines: Map<string, GPUComputePipeline>;
  /** Largest storage binding in bytes (overridable in tests to force slicing). */
  maxBindingBytes: number;
  /** Whether new output tensors are filled with NaN (a test aid). */
  poisonOutputs: boolean;
  /** Free storage buffers by size class, and the memory counters. */
  pool: BufferPool;
  /** Bind groups of the runtime's own buffers. */
  bindGroups: BindGroupCache;
  /** Error scopes and the record of GPU errors. */
  errors: GpuErrors;
  /** Destroys a runtime-owned buffer once the work recorded so far is submitted. */
  destroyBuffer(buffer: GPUBuffer): void;
}

const contexts = new WeakMap<GPUDevice, DeviceContext>();

/** The runtime state of `device`, created on first use. */
export function deviceContext(device: GPUDevice): DeviceContext {
  let ctx = contexts.get(device);
  if (!ctx) ctx = createContext(device);
  return ctx;
}

function createContext(device: GPUDevice): DeviceContext {
  checkDevice(device, "device"); // every function taking a device gets here first
  const errors = new GpuErrors(device);
  const bindGroups = new BindGroupCache();
  const uniforms = new UniformArena(device, (size) => {
    const buffer = errors.scoped(
      "createBuffer (uniforms)",
      () => device.createBuffer({ size, usage: 0x0040 | 0x0008 }),
    ); // UNIFORM | COPY_DST
    bindGroups.track(buffer);
    return buffer;
  }, MAX_PENDING_DISPATCHES);
  // On a CPU adapter early submits only make execution compete with recording.
  const recorder = new Recorder(device, errors, uniforms, !runsOnCpu(device));
  const destroyBuffer = (buffer: GPUBuffer) => {
    bindGroups.forget(buffer);
    recorder.releaseAfterSubmit(buffer);
  };
  const ctx: DeviceContext = {
    device,
    recorder,
    pipelines: new Map(),
    maxBindingBytes: Math.min(
      device.limits.maxStorageBufferBindingSize,
      device.limits.maxBufferSize,
    ),
    poisonOutputs: false,
    pool: new BufferPool(device, () => recorder.submits, destroyBuffer),
    bindGroups,
    errors,
    destroyBuffer,
  };
  contexts.set(device, ctx);
  return ctx;
}

/**
 * Submits every recorded dispatch on `device` to its queue. Reads call this for you; call it
 * yourself to start GPU work early.
 */
export function flush(device: GPUDevice): void {
  checkDevice(device, "device");
  deviceContext(device).recorder.submit();
}

/**
 * What the runtime holds on `device`, like TF.js's `tf.memory()`: live tensors, the bytes of
 * their buffers (size classes, so up to 25 % above the data), the bytes of free buffers the
 * pool keeps for reuse, and the most the live bytes have been.
 *
 * @example
 * ```ts
 * import { getDefaultDevice, memoryInfo, Tensor } from "@flash-bla/flash-bla";
 * const device = await getDefaultDevice();
 * using t = Tensor.empty(device, [1024]);
 * console.log(memoryInfo(device)); // { liveTensors: 1, liveBytes: 4096, pooledBytes: 0, … }
 * ```
 */
export function memoryInfo(device: GPUDevice): MemoryInfo {
  return deviceContext(device).pool.info();
}

/**
 * Gives the pool's free buffers back to the device (they are destroyed once the work recorded
 * so far has been submitted). Live tensors are untouched.
 */
export function releasePool(device: GPUDevice): void {
  deviceContext(device).pool.clear();
}

/**
 * Sets how many bytes of free buffers the pool of `device` keeps; beyond it, the oldest
 * released are destroyed. 0 turns reuse off. `"auto"` (the default): the larger of 2 GiB and
 * the peak bytes of live tensors so far (`memoryInfo(device).peakLiveBytes`), so that each step
 * of a loop reuses the buffers of the last.
 */
export function setPoolCapacity(device: GPUDevice, bytes: number | "auto"): void {
  if (bytes !== "auto" && !(typeof bytes === "number" && Number.isFinite(bytes) && bytes >= 0)) {
    throw new RangeError(`bytes must be "auto" or a finite number ≥ 0, got ${String(bytes)}`);
  }
  const { pool } = deviceContext(device);
  pool.capacity = bytes;
  pool.trim();
}

/**
 * Every GPU error seen on `device` so far (validation, out-of-memory, internal, device lost),
 * including uncaptured ones from outside the runtime: see ops/_runtime/gpu_errors.ts.
 */
export function gpuErrors(device: GPUDevice): readonly GpuErrorRecord[] {
  return deviceContext(device).errors.records;
}

/**
 * Submits the work recorded on `device`, waits until every error scope of the runtime has
 * resolved, and returns {@linkcode gpuErrors}: a test's "no GPU error happened" check.
 */
export function settledGpuErrors(device: GPUDevice): Promise<readonly GpuErrorRecord[]> {
  flush(device);
  return deviceContext(device).errors.settled();
}
