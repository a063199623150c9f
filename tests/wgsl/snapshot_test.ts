/**
 * WGSL snapshots: the generated code of every kernel variant that the catalogue
 * (tests/wgsl/_catalogue.ts: every op, forward and backward, at a fixed list of shapes) launches
 * on the test device, checked in as tests/wgsl/<kernel>/<variant-key>.wgsl, so that a kernel
 * change shows as a WGSL diff in review. The snapshots are taken on lavapipe (subgroups of 8,
 * shader-f16). After an intended kernel change, regenerate them and review the diff:
 *
 *   UPDATE_WGSL=1 deno test -A tests/wgsl/snapshot_test.ts
 *
 * `deno task wgsl <kernel> [variant]` prints one kernel's WGSL.
 */
import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import { captureKernels } from "./_catalogue.ts";

const ROOT = new URL("./", import.meta.url);
const update = Deno.env.get("UPDATE_WGSL") === "1";

// Variants depend on the device (limits, subgroup size, llvmpipe's loop cap): compare on
// lavapipe only, where the snapshots were taken.
const adapter = noGpu ? undefined : await navigator.gpu.requestAdapter();
const onLavapipe = /llvmpipe/.test(adapter?.info.description ?? "");
if (!noGpu && !onLavapipe) console.warn("SKIPPING the WGSL snapshots: they are taken on lavapipe");

/** The checked-in snapshots: `<kernel>/<variant>` → WGSL. */
function readSnapshots(): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of Deno.readDirSync(ROOT)) {
    if (!dir.isDirectory) continue;
    for (const file of Deno.readDirSync(new URL(`${dir.name}/`, ROOT))) {
      if (!file.name.endsWith(".wgsl")) continue;
      const path = `${dir.name}/${file.name}`;
      files.set(path, Deno.readTextFileSync(new URL(path, ROOT)));
    }
  }
  return files;
}

Deno.test({
  name: "WGSL snapshots: every kernel variant of the catalogue matches tests/wgsl/",
  ignore: !onLavapipe,
  fn: async () => {
    const device = (await testDevice())!;
    const captured = new Map<string, string>();
    for (const [kernel, variants] of await captureKernels(device)) {
      for (const [key, wgsl] of variants) captured.set(`${kernel}/${key}.wgsl`, wgsl);
    }
    const stored = readSnapshots();
    if (update) {
      for (const path of stored.keys()) {
        if (!captured.has(path)) Deno.removeSync(new URL(path, ROOT));
      }
      for (const [path, wgsl] of captured) {
        Deno.mkdirSync(new URL(path.split("/")[0], ROOT), { recursive: true });
        Deno.writeTextFileSync(new URL(path, ROOT), wgsl);
      }
      for (const dir of Deno.readDirSync(ROOT)) {
        const url = new URL(`${dir.name}/`, ROOT);
        if (dir.isDirectory && [...Deno.readDirSync(url)].length === 0) Deno.removeSync(url);
      }
      return;
    }
    const missing = [...captured.keys()].filter((p) => !stored.has(p));
    const stale = [...stored.keys()].filter((p) => !captured.has(p));
    const changed = [...captured.keys()].filter((p) =>
      stored.has(p) && stored.get(p) !== captured.get(p)
    );
    const hint = "(intended? regenerate: UPDATE_WGSL=1 deno test -A tests/wgsl/snapshot_test.ts)";
    assert.deepEqual({ missing, stale, changed }, { missing: [], stale: [], changed: [] }, hint);
  },
});
