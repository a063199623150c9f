/**
 * Smoke test of `deno task bench:layers` on the test adapter: one layer, one shape, --json;
 * every time is positive, p20 ≤ p50 ≤ p80, the host times too, and the vjp keeps some memory.
 */
import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";

Deno.test({
  name: "bench:layers --only mamba --shapes selftest --dtype f32 --json runs and reports",
  ignore: noGpu,
  fn: async () => {
    const bench = new URL("../../bench/layers_bench.ts", import.meta.url).pathname;
    const args = ["run", "-A", bench, "--only", "mamba", "--shapes", "selftest", "--dtype", "f32"];
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [...args, "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const report = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(report.rows.length, 1);
    const [row] = report.rows;
    assert.equal(row.layer, "MambaLikeLinearAttention");
    for (const q of [row.forwardMs, row.forwardBackwardMs]) {
      assert.ok(q.p20 > 0 && q.p20 <= q.p50 && q.p50 <= q.p80, JSON.stringify(q));
    }
    assert.ok(row.forwardBackwardMs.p50 > row.forwardMs.p20, "fwd+bwd is slower than fwd");
    assert.ok(row.vjpKeepsInputs > 1 && row.vjpKeepsInputs < 30, `kept ${row.vjpKeepsInputs}`);
    // The host's recording and submit of one launch, each mode.
    const { forward, forwardBackward } = row.hostMs;
    assert.ok(forward > 0 && forwardBackward > forward, JSON.stringify(row.hostMs));
  },
});

Deno.test({
  name: "bench:layers --breakdown: the GPU time per kernel of each case (JSON kernels, table)",
  ignore: noGpu,
  fn: async () => {
    const bench = new URL("../../bench/layers_bench.ts", import.meta.url).pathname;
    const args = ["run", "-A", bench, "--only", "rala", "--shapes", "selftest", "--dtype", "f32"];
    const run = async (more: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [...args, "--breakdown", ...more],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout);
    };
    const [row] = JSON.parse(await run(["--json"])).rows;
    const names = (ks: { name: string }[]) => ks.map((k) => k.name);
    // RALA's attention is the decoupled op: its state and row kernels run in both modes.
    assert.ok(
      names(row.kernels.forward).includes("la_state_fwd"),
      names(row.kernels.forward).join(),
    );
    assert.ok(names(row.kernels.forwardBackward).includes("la_state_bwd"));
    for (const k of [...row.kernels.forward, ...row.kernels.forwardBackward]) {
      assert.ok(k.ms > 0 && k.dispatches >= 1, JSON.stringify(k));
    }
    const table = await run([]);
    assert.match(
      table,
      /^\| RALALinearAttention \| selftest \| f32 \| fwdbwd \| la_state_bwd \| 1 \| /m,
    );
  },
});
