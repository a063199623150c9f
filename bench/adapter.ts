/**
 * What a tool says about the adapter it runs on: whether it is a CPU implementation (then the
 * profiler, benchmarks, demos and the browser page pick small sizes) and its name. No imports,
 * so the browser page can use it without pulling in the package.
 * @module
 */

/**
 * Whether the adapter runs on the CPU: lavapipe/llvmpipe (Mesa), SwiftShader (Chrome's
 * fallback), WARP (Windows), or any adapter flagged as a fallback.
 */
export function isCpuAdapter(info: GPUAdapterInfo): boolean {
  const i = info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return i.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|warp|software|basic render|\bcpu\b/i.test(
      `${i.description} ${i.device} ${i.architecture} ${i.vendor}`,
    );
}

/** Vulkan's vendor id of Mesa (VK_VENDOR_ID_MESA), whose CPU driver is lavapipe. */
const MESA_VENDOR_ID = 0x10005;

/**
 * A short name of the adapter. Mesa's Vulkan CPU driver (lavapipe) calls its device after the
 * llvmpipe rasterizer it runs on, so that one reads `lavapipe (llvmpipe (LLVM 15.0.6, 256 bits))`
 * rather than being mistaken for the OpenGL driver.
 */
export function adapterName(info: GPUAdapterInfo): string {
  const name = info.description ||
    [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") ||
    "unknown adapter";
  const lavapipe = (Number(info.vendor) === MESA_VENDOR_ID || info.vendor === "mesa") &&
    /llvmpipe/i.test(name);
  return lavapipe ? `lavapipe (${name})` : name;
}
