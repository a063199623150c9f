import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";

const script = new URL("../../bench/overlap_probe.ts", import.meta.url).pathname;

async function probe(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The numbers in the table rows whose first cell is `label`. */
function cells(stdout: string, label: string): number[] {
  const row = stdout.split("\n").find((l) => l.startsWith(`| ${label} |`));
  assert.ok(row, `no row "${label}" in:\n${stdout}`);
  return row.split("|").slice(2, -1).map(Number);
}

Deno.test({
  name: "overlap probe CLI: the four spin pairs and a row per launch count, all timed",
  ignore: noGpu,
  fn: async () => {
    const run = await probe(["--T", "32", "--B", "1", "--H", "1", "--reps", "1,3"]);
    assert.equal(run.code, 0, run.stderr);
    for (const pair of ["one launch", "two, different buffers", "two, same buffer"]) {
      const [ms] = cells(run.stdout, pair);
      assert.ok(ms > 0, `${pair}: ${ms}`);
    }
    assert.ok(cells(run.stdout, "two, second reads the first's")[0] > 0);
    assert.ok(run.stdout.includes("B1-H1-T32-D64"), run.stdout);
    for (const n of ["1", "3"]) {
      const [fwd, fwdBwd] = cells(run.stdout, n);
      assert.ok(fwd > 0 && fwdBwd > fwd, `${n} launches: ${fwd}, ${fwdBwd}`);
    }
  },
});

Deno.test("overlap probe CLI: a bad flag is one error line naming it (exit 2)", async () => {
  const run = await probe(["--reps", "0"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^error: --reps: expected a positive integer, got "0"/);
});
