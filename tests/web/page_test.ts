/** The demo page's helpers that need no browser: the server's path filter, the layer check. */
import assert from "node:assert/strict";
import { resolveWebPath } from "../../web/serve.ts";
import { directionalError } from "../../web/layer_check.ts";

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
