import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";

Deno.test({
  name: "bench:host --json: the dispatch floors and both linear-attention cases, all timed",
  ignore: noGpu,
  fn: async () => {
    const script = new URL("../../bench/host_cost.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "--rounds", "2", "--n", "4", "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const { rows } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(rows.map((r: { op: string }) => r.op), [
      "launch (a trivial kernel)",
      "WebGPU calls alone (same kernel)",
      "linearAttention (fwd)",
      "linearAttention.vjp + pullback",
    ]);
    for (const r of rows) {
      assert.ok(r.record > 0 && r.withSubmit >= r.record, JSON.stringify(r));
    }
  },
});
