/**
 * The demo page's parts that need no browser: the server's path filter, the layer check, the
 * chart, the adapter defaults and the benchmark sweep (on the test device).
 */
import assert from "node:assert/strict";
import { resolveWebPath } from "../../web/serve.ts";
import { directionalError } from "../../web/layer_check.ts";
import { formatValue, logLogChart } from "../../web/chart.ts";
import { defaultsFor, sweep } from "../../web/bench.ts";
import * as lib from "../../web/lib.ts";
import { noGpu, testDevice } from "../_helpers.ts";

Deno.test("web/serve.ts serves only the page, its stylesheet and dist/", () => {
  assert.ok(resolveWebPath("/")?.pathname.endsWith("/web/index.html"));
  assert.ok(resolveWebPath("/dist/main.js")?.pathname.endsWith("/web/dist/main.js"));
  for (const path of ["/serve.ts", "/dist/../serve.ts", "/dist/%2e%2e/build.ts", "/../deno.json"]) {
    assert.equal(resolveWebPath(path), undefined, path);
  }
});

Deno.test("web/layer_check.ts directionalError: ~0 for the true gradient, large for a wrong one", () => {
  const theta = [0.5, -1.25, 2, 0.75], u = [0.3, -0.7, 1.1, 0.2];
  const grad = theta.map((t) => 3 * t); // of L(θ) = 1.5 Σ θ²
  const derivative = grad.reduce((s, g, i) => s + g * u[i], 0);
  assert.ok(directionalError(grad, u, derivative) < 1e-15);
  assert.ok(directionalError(grad.map((g) => 1.01 * g), u, derivative) > 1e-3);
  assert.equal(directionalError([0, 0, 0, 0], u, derivative), Infinity);
  assert.equal(directionalError([NaN, 0, 0, 0], u, derivative), Infinity);
});

Deno.test("web/chart.ts: ticks at the measured T, every point labelled with its value", () => {
  const svg = logLogChart([
    { name: "linear attention", color: "#00f", points: [[128, 0.5], [256, 1.04], [512, 2.2]] },
    { name: "softmax (SDPA)", color: "#f00", points: [[128, 0.8], [256, 3.1], [512, 12.345]] },
  ], { title: "t", xLabel: "T", yLabel: "ms" });
  const texts = (cls: string) =>
    [...svg.matchAll(new RegExp(`class="${cls}"[^>]*>([^<]*)<`, "g"))].map((m) => m[1]);
  assert.deepEqual(texts("x-tick"), ["128", "256", "512"]);
  assert.deepEqual(texts("value"), ["0.5", "1.04", "2.2", "0.8", "3.1", "12.3"]);
  assert.equal(formatValue(1234.5), "1235");
  assert.equal(formatValue(0.012345), "0.0123");
});

Deno.test("web/bench.ts defaultsFor: a CPU adapter gets small lengths", () => {
  assert.ok(defaultsFor(true).maxLength <= 512 && defaultsFor(true).runLength <= 256);
  assert.equal(defaultsFor(false).maxLength, 4096);
});

Deno.test({
  name: "web/bench.ts sweep: progress before each step; cancel stops before the next one",
  ignore: noGpu,
  async fn() {
    const device = (await testDevice())!;
    const ops = { "linear attention": lib.linearAttention, "naive": lib.naiveLinearAttention };
    const options = { lengths: [8, 16, 32], heads: 1, headDim: 4, reps: 1, samples: 1 };
    const seen: string[] = [];
    const full = await sweep(lib, device, ops, options, {
      onProgress: ({ done, total, op, T }) => seen.push(`${done}/${total} ${op} ${T}`),
    });
    assert.deepEqual(full.map((r) => r.T), [8, 16, 32]);
    assert.deepEqual(seen, [
      "0/6 linear attention 8",
      "1/6 naive 8",
      "2/6 linear attention 16",
      "3/6 naive 16",
      "4/6 linear attention 32",
      "5/6 naive 32",
    ]);
    for (const row of full) assert.ok(row.ms["linear attention"] > 0 && row.ms.naive > 0);

    const controller = new AbortController();
    let steps = 0;
    const rows = await sweep(lib, device, ops, options, {
      signal: controller.signal,
      onProgress: () => ++steps === 3 && controller.abort(), // abort during the 3rd step
    });
    assert.equal(steps, 3); // the 3rd step finishes, no 4th starts
    assert.deepEqual(rows.map((r) => [r.T, Object.keys(r.ms)]), [
      [8, ["linear attention", "naive"]],
      [16, ["linear attention"]],
    ]);
  },
});
