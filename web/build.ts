/**
 * Builds the browser bundles with `deno bundle --platform browser`:
 *
 * - `web/dist/flash-bla.js`: the whole package as one ES module (web/lib.ts: mod.ts, plus
 *   reference.ts as `reference`); library code runs unchanged in a browser.
 * - `web/dist/main.js`: the demo page's script (web/main.ts), which imports the package
 *   bundle at run time, so the demo exercises exactly that file.
 *
 * ```sh
 * deno run -A web/build.ts
 * ```
 * @module
 */

const WEB_DIR = new URL("./", import.meta.url);

/** Bundles `entry` (relative to web/) into `web/dist/<output>`; throws with deno's stderr. */
async function bundle(entry: string, output: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      "--quiet",
      "-o",
      new URL(`dist/${output}`, WEB_DIR).pathname,
      new URL(entry, WEB_DIR).pathname,
    ],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

/** Builds both bundles into web/dist/ and returns their paths. */
export async function buildWeb(): Promise<string[]> {
  await Deno.mkdir(new URL("dist/", WEB_DIR), { recursive: true });
  // One after the other: on a fresh machine the first `deno bundle` installs esbuild into the
  // cache, and two at once race on it (one failed copying the binary: "No such file").
  await bundle("lib.ts", "flash-bla.js");
  await bundle("main.ts", "main.js");
  return ["flash-bla.js", "main.js"].map((f) => new URL(`dist/${f}`, WEB_DIR).pathname);
}

if (import.meta.main) {
  for (const path of await buildWeb()) {
    console.log(`built ${path} (${((await Deno.stat(path)).size / 1024).toFixed(0)} KiB)`);
  }
}
