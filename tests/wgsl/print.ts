/**
 * `deno task wgsl [kernel] [variant]`: prints the generated WGSL of a kernel, as the catalogue
 * of the WGSL snapshot test launches it (tests/wgsl/_catalogue.ts). Without arguments, lists
 * the kernels and their variant keys; without a variant, prints every variant of the kernel.
 * `variant` may be any part of a variant key (e.g. `dtype=f16`).
 */
import { requestDevice } from "../../ops/_runtime/mod.ts";
import { captureKernels } from "./_catalogue.ts";

const [name, variant] = Deno.args;
if (name === "--help" || name === "-h") {
  console.log("usage: deno task wgsl [kernel] [variant]   (no arguments: list kernels)");
  Deno.exit(0);
}
const device = await requestDevice();
const captured = await captureKernels(device);
if (name === undefined) {
  for (const [kernel, variants] of [...captured].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${kernel}\n  ${[...variants.keys()].join("\n  ")}`);
  }
  Deno.exit(0);
}
const variants = captured.get(name);
if (!variants) {
  console.error(`wgsl: no kernel "${name}" (run \`deno task wgsl\` to list them)`);
  Deno.exit(2);
}
const chosen = [...variants].filter(([key]) => variant === undefined || key.includes(variant));
if (chosen.length === 0) {
  console.error(`wgsl: kernel ${name} has no variant matching "${variant}"; it has:`);
  console.error(`  ${[...variants.keys()].join("\n  ")}`);
  Deno.exit(2);
}
for (const [key, wgsl] of chosen) console.log(`// ${name} ${key}\n${wgsl}`);
