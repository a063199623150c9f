/**
 * The npm-style package (`deno pack`) under Node: packs the working tree into a temporary
 * directory, unpacks it and runs tests/node/smoke.mjs there with `node` (imports, the clear
 * "no WebGPU" / "no adapter" errors; no GPU needed). Skips, saying so, without `node` on PATH.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const SMOKE = new URL("./smoke.mjs", import.meta.url).pathname;

async function run(cmd: string, args: string[], cwd = ROOT) {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

const hasNode = await run("node", ["--version"]).then((r) => r.code === 0, () => false);
if (!hasNode) console.warn("SKIPPING the Node test of the packed package: no `node` on PATH");

Deno.test({
  name: "deno pack output imports under Node and says clearly when WebGPU is missing",
  ignore: !hasNode,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "flash-bla-pack-" });
    try {
      const tgz = `${dir}/flash-bla.tgz`;
      const pack = await run(Deno.execPath(), ["pack", "--allow-dirty", "-o", tgz]);
      assert.equal(pack.code, 0, pack.stderr);
      const untar = await run("tar", ["xzf", tgz, "-C", dir]);
      assert.equal(untar.code, 0, untar.stderr);
      const smoke = await run("node", [SMOKE, `${dir}/package`]);
      assert.equal(smoke.code, 0, smoke.stdout + smoke.stderr);
      assert.match(smoke.stdout, /ok: imported \d+ exports under Node/);
      assert.match(smoke.stdout, /ok: clear errors without WebGPU and without an adapter/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
