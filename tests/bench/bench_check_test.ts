/**
 * The bench's `--check`: each case's line gives the GPU median of 3 launches back to back, the
 * GPU window of a batch of N launches and the host batch with its difference to that window;
 * the run fails iff a difference exceeds 10 %, naming the largest.
 */
import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";
import { benchRow } from "../../bench/measure.ts";

Deno.test("benchRow: the median and N always, the batch window and host only with --check", () => {
  assert.equal(
    benchRow("T=1024 naive_la_bwd", 2.459, 90, {
      window: 2.672,
      host: 2.76,
      diff: 2.76 / 2.672 - 1,
    }),
    "T=1024 naive_la_bwd      2.459 |      2.672 |      2.760 (3.3 %) | 90",
  );
  assert.equal(
    benchRow("T=1024 naive_la_bwd", 2.459, 90),
    "T=1024 naive_la_bwd      2.459 |          - |          - | 90",
  );
});

Deno.test({
  name:
    "deno bench --check: a line per column with both GPU figures; fails iff a host is > 10 % off",
  ignore: noGpu,
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bench",
        "-A",
        "bench/linear_attention_bench.ts",
        "--",
        "--check",
        "--T=64",
        "--B=1",
        "--H=1",
        "--D=16",
        "--dtype=f32",
      ],
      cwd: new URL("../../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const number = String.raw`\s+(\d+\.\d{3})`;
    const row = new RegExp(
      String.raw`^T=64 (\w+)${number} \|${number} \|${number} \((\d+\.\d) %\) \| (\d+)$`,
      "gm",
    );
    const rows = [...text.matchAll(row)];
    assert.deepEqual(rows.map((r) => r[1]), [
      "naive_la_fwd",
      "flash_bla_fwd",
      "sdpa_fwd",
      "naive_la_bwd",
      "flash_bla_bwd",
      "sdpa_bwd",
    ], text);
    for (const [line, , gpu, window, host, , n] of rows) {
      assert.ok(+gpu > 0 && +window > 0 && +host > 0 && +n >= 1, line);
    }
    const worst = Math.max(...rows.map((r) => +r[5]));
    if (worst > 10) {
      assert.equal(out.code === 0, false, text);
      assert.match(text, new RegExp(`disagree with their GPU timestamps by ${worst.toFixed(1)} %`));
    } else assert.equal(out.code, 0, text);
  },
});
