import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import { clockOf, clockProbe, MAX_TRIES, MIN_CLOCK, timeProbed } from "../../bench/clock_probe.ts";
import { fmaWork } from "../../bench/ladder.ts";
import { gpuTimes } from "../../bench/measure.ts";

Deno.test("clockOf: the probe's speed as a share of its fastest, at most 1", () => {
  assert.equal(clockOf(2, 1), 0.5);
  assert.equal(clockOf(1, 1), 1);
  assert.equal(clockOf(0.5, 1), 1); // faster than the fastest so far: full speed
  assert.ok(clockOf(1 / 0.96, 1) < MIN_CLOCK && clockOf(1 / 0.98, 1) > MIN_CLOCK);
});

Deno.test({
  name: "gpuTimes: interleaved works each get their own samples",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    using short = fmaWork(device, "f32", true, 2);
    using long = fmaWork(device, "f32", true, 64); // 32× the loop trips
    await gpuTimes(device, [short.work, long.work], 1); // compile
    const [a, b, c] = await gpuTimes(device, [short.work, long.work, short.work], 5, 2, 1);
    for (const t of [a, b, c]) assert.ok(0 < t.p20 && t.p20 <= t.p50 && t.p50 <= t.p80);
    // Samples land with their own work: the long one's median is the largest by far (≈ 10× on
    // lavapipe, where a launch's fixed cost is most of the short one's time; mixed up: ≈ 1×).
    assert.ok(b.p50 > 3 * Math.max(a.p50, c.p50), `${a.p50} ${b.p50} ${c.p50}`);
  },
});

Deno.test({
  name: "timeProbed: measures again (after rewarm, up to maxTries) while the probe reads slow",
  ignore: noGpu,
  fn: async () => {
    const device = (await testDevice())!;
    using probe = await clockProbe(device, true);
    using w = fmaWork(device, "f32", true, 8);
    const plan = { samples: 3, perSubmit: 3, warmup: 1 };
    let rewarms = 0;
    const rewarm = () => Promise.resolve(void rewarms++);
    // A probe can never run at twice its fastest: minClock 2 measures again up to maxTries.
    const slow = await timeProbed(device, w.work, probe, plan, rewarm, 2);
    assert.deepEqual([slow.tries, rewarms], [MAX_TRIES, MAX_TRIES - 1]);
    assert.ok(slow.time.p50 > 0 && slow.probeMs > 0);
    assert.ok(probe.fastestMs <= slow.probeMs); // the fastest so far follows the run
    const twice = await timeProbed(device, w.work, probe, plan, rewarm, 2, 2);
    assert.deepEqual([twice.tries, rewarms], [2, MAX_TRIES]);
    const once = await timeProbed(device, w.work, probe, plan, rewarm, 0);
    assert.deepEqual([once.tries, rewarms], [1, MAX_TRIES]);
  },
});
