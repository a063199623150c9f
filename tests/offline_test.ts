/**
 * The package, the profiler, the benchmarks and the demos need no registry: the main config
 * locks no npm package (the browser test's playwright-core has its own config and lock in
 * tests/web/), and each task starts from an empty Deno cache with npm unreachable.
 * (`deno task demo:web` builds with `deno bundle`, whose esbuild Deno fetches once and caches.)
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("the main deno.lock, if any, locks no npm package", async () => {
  const lock = await Deno.readTextFile(`${ROOT}deno.lock`).catch(() => undefined);
  if (lock === undefined) return; // nothing locked at all
  const { npm = {}, specifiers = {} } = JSON.parse(lock);
  assert.deepEqual(Object.keys(npm), [], "npm packages in deno.lock");
  assert.deepEqual(Object.keys(specifiers).filter((s) => s.startsWith("npm:")), []);
});

Deno.test("tasks start offline: an empty DENO_DIR, npm unreachable", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "flash-bla-offline-" });
  try {
    for (const task of ["profile", "bench", "bench:layers", "train-demo"]) {
      // `--help` loads (and `deno bench` / `deno test` type-check) the whole module graph.
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["task", "-q", task, "--help"],
        cwd: ROOT,
        env: {
          DENO_DIR: denoDir,
          NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/", // nothing listens on port 9
          NO_COLOR: "1",
        },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(
        code,
        0,
        `deno task ${task} --help offline:\n${new TextDecoder().decode(stderr)}`,
      );
    }
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});
