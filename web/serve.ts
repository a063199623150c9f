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
import { runCli, UsageError } from "../bench/cli.ts";

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

/** The usage text of `deno task demo:web --help`. */
export const SERVE_USAGE =
  `Usage: deno task demo:web [options]   (builds web/dist/, then serves the page)

  --port N        port to listen on (default 8123; 0 picks a free one)
  --hostname H    address to bind (default 127.0.0.1; 0.0.0.0 for other machines)
  -h, --help      this text
`;

/** Parses the server's command line; a `UsageError` names the bad flag. */
export function parseServeArgs(args: string[]): { port: number; hostname: string } {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { port: { type: "string", default: "8123" }, hostname: { type: "string" } },
  });
  const port = Number(values.port);
  if (values.port.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port: expected an integer from 0 to 65535, got "${values.port}"`);
  }
  return { port, hostname: values.hostname ?? "127.0.0.1" };
}

if (import.meta.main) {
  await runCli("deno task demo:web", SERVE_USAGE, Deno.args, parseServeArgs, async (o) => {
    const server = serveDemo(o.port, o.hostname);
    console.log(`flash-bla browser demo: http://localhost:${server.addr.port}/`);
    console.log("Open it in a browser with WebGPU (Chrome/Edge ≥ 113, Safari 26, Firefox 141+).");
    await server.finished;
    return 0;
  });
}
