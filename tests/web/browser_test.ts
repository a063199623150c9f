/**
 * The package in a real browser: Debian's headless chromium (driven by playwright-core) loads
 * the demo page from a local server, runs the page's self-test (linearAttention and SDPA
 * forward and backward, f32 and f16 when the adapter has shader-f16, and LinFusion's layer
 * forward and backward)
 * against the float64 references, one demo op, a small timing sweep, and saves a screenshot
 * (to a temporary file; to docs/demo.png, the README's picture, with `UPDATE_SCREENSHOT=1`).
 * On a machine without a GPU, chromium's WebGPU runs on SwiftShader (CPU).
 * Skips, saying so, only when /usr/bin/chromium is not installed.
 *
 * Its own config (tests/web/deno.json, with its own lock) holds the npm dependency, so the main
 * deno.lock has none and the package, profiler, benchmarks and demos run offline:
 *
 * ```sh
 * deno test -A --config tests/web/deno.json tests/web/browser_test.ts
 * ```
 */
import assert from "node:assert/strict";
import { buildWeb } from "../../web/build.ts";
import { serveDemo } from "../../web/serve.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = Deno.env.get("UPDATE_SCREENSHOT") === "1"
  ? new URL("../../docs/demo.png", import.meta.url).pathname
  : `${await Deno.makeTempDir({ prefix: "flash-bla-web-" })}/demo.png`;

const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!hasChromium) {
  console.warn(`SKIPPING browser test: ${CHROMIUM} is not installed (apt-get install chromium)`);
}

/** Flags that make WebGPU work in headless chromium, on the CPU (SwiftShader) without a GPU. */
const CHROMIUM_ARGS = [
  "--enable-unsafe-webgpu",
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Rejects if `promise` does not settle within `seconds` (a GPU hang must fail fast, not stall CI). */
function within<T>(seconds: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${seconds} s (GPU hang?)`)),
      seconds * 1000,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

Deno.test({
  name: "demo page in headless chromium: self-test vs float64, demo op, chart, screenshot",
  ignore: !hasChromium,
  // playwright keeps its pipe to the browser and child processes in the background
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { chromium } = await import("playwright-core"); // mapped in tests/web/deno.json
    await buildWeb();
    const server = serveDemo(0);
    const profile = await Deno.makeTempDir({ prefix: "flash-bla-chromium-" });
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      ignoreDefaultArgs: ["--headless"], // "--headless=new" above instead
      viewport: { width: 900, height: 1100 },
    });
    try {
      const page = browser.pages()[0] ?? await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        pageErrors.push(m.text());
        console.error(`page console error: ${m.text()}`); // e.g. a kernel's compile message
      });
      await page.goto(`http://localhost:${server.addr.port}/`);

      const ready = await page.evaluate(() => (globalThis as any).flashBla.ready);
      console.log(
        `adapter: ${ready.adapter}${ready.cpu ? " (CPU)" : ""}; features: ${
          ready.features.join(", ")
        }`,
      );

      const report = await within(
        90,
        "the self-test",
        page.evaluate(() => (globalThis as any).runSelfTest()),
      );
      for (const c of report.checks) {
        console.log(`  ${c.name} ${c.dtype} ${c.quantity}: ${c.error.toExponential(2)}`);
        assert.ok(c.ok, `${c.name} ${c.dtype} ${c.quantity}: error ${c.error} > ${c.tol}`);
      }
      const ran = new Set(
        report.checks.map((c: { name: string; quantity: string }) =>
          `${c.name.split(" ")[0]} ${c.quantity}`
        ),
      );
      const expected = ["linearAttention", "scaledDotProductAttention"].flatMap((op) =>
        ["output", "dq", "dk", "dv"].map((q) => `${op} ${q}`)
      ).concat(
        ["output", "dx (directional)"].map((q) => `GeneralizedLinearAttention ${q}`),
      );
      for (const q of expected) assert.ok(ran.has(q), `no check of ${q}`);
      assert.ok(report.ok);

      for (const key of ["scaledDotProductAttention", "linfusion", "linearAttention"]) {
        const demo = await within(
          30,
          `demo ${key}`,
          page.evaluate((key) => (globalThis as any).flashBla.runDemo(key, 97, "f32"), key),
        );
        assert.ok(demo.error <= demo.tol, `demo ${key}: error ${demo.error}`);
        assert.ok(demo.ms > 0);
      }

      const rows = await within(
        60,
        "the benchmark",
        page.evaluate(() =>
          (globalThis as any).flashBla.runBenchmark({
            lengths: [64, 128, 256],
            reps: 2,
            samples: 3,
          })
        ),
      );
      assert.equal(rows.length, 3);
      for (const row of rows) {
        assert.ok(row.ms["linear attention"] > 0, JSON.stringify(row));
        assert.ok(row.ms["softmax (SDPA)"] > 0, JSON.stringify(row));
      }
      assert.equal(await page.locator("#chart svg polyline").count(), 2);
      assert.equal(await page.locator("#chart svg text.value").count(), 6); // a label per point
      assert.deepEqual(await page.locator("#chart svg text.x-tick").allTextContents(), [
        "64",
        "128",
        "256",
      ]);
      assert.match(await page.locator("#bench-status").innerText(), /Done: 3 lengths/);
      assert.equal(await page.locator("#cancel").isVisible(), false);

      await Deno.mkdir(new URL(".", `file://${SCREENSHOT}`), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(pageErrors, []);

      // A browser without WebGPU gets a clear message instead of the controls.
      const bare = await browser.newPage();
      await bare.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined })
      );
      await bare.goto(`http://localhost:${server.addr.port}/`);
      await bare.locator("#no-webgpu").waitFor({ state: "visible" });
      assert.match(await bare.locator("#no-webgpu").innerText(), /has no WebGPU/);
      assert.equal(await bare.locator("#controls").isVisible(), false);
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(profile, { recursive: true });
    }
  },
});
