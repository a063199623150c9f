/**
 * Every command-line entry behaves like a tool: `--help` prints its usage (exit 0); a bad flag
 * prints exactly two lines, `error: …` naming the flag and `hint: …` pointing at `--help`
 * (exit 2), with no stack trace and no NaN reaching the run. None of these needs a GPU: the
 * command line is parsed before the device is opened.
 */
import assert from "node:assert/strict";
import {
  isUsageError,
  positiveInt,
  positiveInts,
  positiveNumber,
  UsageError,
} from "../../bench/cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function task(name: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", name, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** stderr without deno's own "Check file" lines (deno bench type-checks first). */
const ownLines = (stderr: string) =>
  stderr.split("\n").filter((line) => line && !/^Check /.test(line));

const ENTRIES: { task: string; usage: RegExp; bad: [string[], RegExp][] }[] = [
  {
    task: "profile",
    usage: /^Usage: deno task profile/m,
    bad: [
      [["--T", "abc"], /^error: --T: expected a positive integer, got "abc"$/],
      [
        ["--mode", "backward"],
        /^error: --mode: unknown value "backward" \(allowed: fwd, fwdbwd\)$/,
      ],
      [["--bogus"], /^error: Unknown option '--bogus'/],
      [["stray"], /^error: Unexpected argument 'stray'/],
      [["--plot", "out.png"], /^error: --plot: expected a file name ending in \.svg/],
    ],
  },
  {
    task: "train-demo",
    usage: /^Usage: deno task train-demo/m,
    bad: [
      [["--steps", "abc"], /^error: --steps: expected a positive integer, got "abc"$/],
      [["--lr=0"], /^error: --lr: expected a positive number, got "0"$/],
      [["--dtype", "bf16"], /^error: --dtype: unknown value "bf16"/],
      [["--dim", "16", "--heads", "3"], /^error: --heads: --dim\/--heads must be an even integer/],
    ],
  },
  {
    task: "bench:layers",
    usage: /^Usage: deno task bench:layers/m,
    bad: [
      [["--samples", "1.5"], /^error: --samples: expected a positive integer, got "1.5"$/],
      [["--only", "transformer"], /^error: --only: no layer name contains "transformer"/],
      [["--shapes", "huge"], /^error: --shapes: unknown value "huge"/],
    ],
  },
  {
    task: "bench:host",
    usage: /^Usage: deno task bench:host/m,
    bad: [[["--rounds", "x"], /^error: --rounds: expected a positive integer, got "x"$/]],
  },
  {
    task: "bench",
    usage: /^Usage: deno task bench/m,
    bad: [
      [["--T", "abc"], /^error: --T \/ BENCH_T: expected a positive integer, got "abc"$/],
      [["--", "--B", "0"], /^error: --B \/ BENCH_B: expected a positive integer, got "0"$/],
    ],
  },
];

for (const entry of ENTRIES) {
  Deno.test(`deno task ${entry.task}: --help exits 0, bad flags exit 2 with one error line`, async () => {
    const help = await task(entry.task, ["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, entry.usage);
    assert.match(help.stdout, /-h, --help/);
    for (const [args, message] of entry.bad) {
      const r = await task(entry.task, args);
      const lines = ownLines(r.stderr);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(lines.length, 2, `${args.join(" ")}: two lines, got:\n${r.stderr}`);
      assert.match(lines[0], message);
      assert.match(lines[1], new RegExp(`^hint: \`deno task ${entry.task} --help\``));
      assert.equal(r.stdout, "", `${args.join(" ")} ran anyway: ${r.stdout}`);
    }
  });
}

Deno.test("web/serve.ts (deno task demo:web): --help exits 0, a bad port exits 2", async () => {
  const serve = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", `${ROOT}web/serve.ts`, ...args],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
  const help = await serve(["--help"]);
  assert.equal(help.code, 0);
  assert.match(new TextDecoder().decode(help.stdout), /^Usage: deno task demo:web/);
  const bad = await serve(["--port", "http"]);
  assert.equal(bad.code, 2);
  assert.deepEqual(ownLines(new TextDecoder().decode(bad.stderr)), [
    'error: --port: expected an integer from 0 to 65535, got "http"',
    "hint: `deno task demo:web --help` lists the flags",
  ]);
});

Deno.test("cli value parsers refuse what is not a number, naming the flag", () => {
  assert.equal(positiveInt("12", "--n"), 12);
  assert.deepEqual(positiveInts("64, 128,", "--T"), [64, 128]);
  assert.equal(positiveNumber("1e-3", "--lr"), 0.001);
  for (const bad of ["", " ", "abc", "0", "-3", "2.5", "NaN", "Infinity", "0x"]) {
    assert.throws(() => positiveInt(bad, "--n"), (e: Error) => {
      assert.ok(e instanceof UsageError && e.message.startsWith("--n: "), e.message);
      return true;
    });
  }
  for (const bad of ["", "abc", "0", "-1", "Infinity"]) {
    assert.throws(() => positiveNumber(bad, "--lr"), UsageError);
  }
  assert.throws(() => positiveInts(",", "--T"), /--T: empty list/);
  assert.ok(isUsageError(new UsageError("x")));
  assert.ok(!isUsageError(new RangeError("a library error is not a usage error")));
});
