/**
 * A small static server for the browser demo: serves web/index.html, web/style.css and the
 * bundles in web/dist/ (build them first with `deno run -A web/build.ts`).
 *
 * ```sh
 * deno task demo:web                 # build, then serve on http://localhost:8123/
 * deno run --allow-net --allow-read web/serve.ts --port 9000
 * ```
 * @module
 */
import { parseArgs } from "node:util";

const WEB_DIR = new URL("./", import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  map: "application/json; charset=utf-8",
  png: "image/png",
};

/** Only these paths are served (plus anything under dist/): nothing else of the repo leaks. */
const TOP_LEVEL_FILES = new Set(["index.html", "style.css"]);

/** Maps a request path to a file under web/, or undefined when it is not served. */
export function resolveWebPath(pathname: string): URL | undefined {
  const path = pathname === "/" ? "index.html" : decodeURIComponent(pathname.slice(1));
  const allowed = TOP_LEVEL_FILES.has(path) ||
    (path.startsWith("dist/") && /^[\w./-]+$/.test(path) && !path.includes(".."));
  return allowed ? new URL(path, WEB_DIR) : undefined;
}

async function handle(request: Request): Promise<Response> {
  const file = resolveWebPath(new URL(request.url).pathname);
  if (!file) return new Response("not found", { status: 404 });
  try {
    const body = await Deno.readFile(file);
    const ext = file.pathname.split(".").pop() ?? "";
    return new Response(body, {
      headers: {
        "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream",
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const hint = file.pathname.includes("/dist/") ? " (run `deno run -A web/build.ts`)" : "";
      return new Response(`not found${hint}`, { status: 404 });
    }
    throw error;
  }
}

/**
 * Starts the demo server on `hostname:port` (port 0 picks a free one) and returns it; the URL
 * is `http://localhost:${server.addr.port}/`.
 */
export function serveDemo(port = 8123, hostname = "127.0.0.1"): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ port, hostname, onListen() {} }, handle);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { port: { type: "string", default: "8123" }, hostname: { type: "string" } },
  });
  const server = serveDemo(Number(values.port), values.hostname ?? "127.0.0.1");
  console.log(`flash-bla browser demo: http://localhost:${server.addr.port}/`);
  console.log("Open it in a browser with WebGPU (Chrome/Edge ≥ 113, Safari 26, Firefox 141+).");
}
