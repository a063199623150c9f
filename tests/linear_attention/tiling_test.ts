import assert from "node:assert/strict";
import { LA_DEFAULT_TILING, tilingOf } from "../../ops/linear_attention/engine.ts";

Deno.test("tilingOf: a pass's or role's overrides go over the defaults for that pass or role", () => {
  assert.deepEqual(tilingOf(), {
    ...LA_DEFAULT_TILING,
    state: {
      ...LA_DEFAULT_TILING.state,
      byPass: { fwd: { chunkMax: 4096, fillBelow: 512 }, bwd: {} },
    },
    rows: { ...LA_DEFAULT_TILING.rows, byRole: { o: {}, dq: {}, dk: {}, dv: {} } },
  });
  const t = tilingOf({
    state: { steps: 16, byPass: { bwd: { buffers: 1 } } },
    rows: { byRole: { dq: { steps: 16 } } },
  });
  assert.equal(t.state.steps, 16);
  // The backward's override keeps the forward's default, and replaces the backward's one field.
  assert.deepEqual(t.state.byPass, {
    fwd: { chunkMax: 4096, fillBelow: 512 },
    bwd: { buffers: 1 },
  });
  assert.deepEqual(t.rows.byRole, { o: {}, dq: { steps: 16 }, dk: {}, dv: {} });
  assert.equal(
    tilingOf({ state: { byPass: { fwd: { f16Staging: true } } } }).state.byPass?.fwd
      ?.f16Staging,
    true,
  );
});
