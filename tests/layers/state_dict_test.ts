import assert from "node:assert/strict";
import { GeneralizedLinearAttention } from "../../layers/linfusion.ts";
import { LinFusion } from "../../layers/linfusion_model.ts";
import { PolaLinearAttention } from "../../layers/focused.ts";
import { randomParameters } from "../../layers/_params.ts";
import { noGpu, testDevice } from "../_helpers.ts";

const device = (await testDevice())!;

Deno.test({
  name: "layer state dicts: wrong keys and shapes are rejected by name, values round-trip",
  ignore: noGpu,
  fn: async () => {
    const opts = { queryDim: 8, heads: 2, dimHead: 4, device };
    using layer = new GeneralizedLinearAttention({ ...opts, seed: 3 });
    const good = randomParameters(layer.specs, 7);
    const without = new Map(good);
    without.delete("to_q_.1.weight");
    assert.throws(() => layer.loadStateDict(without), /missing keys: to_q_\.1\.weight/);
    const extra = new Map(good).set("to_q.bias", { shape: [8], data: new Float32Array(8) });
    assert.throws(() => layer.loadStateDict(extra), /unexpected keys: to_q\.bias/);
    const wrong = new Map(good).set("to_v.weight", { shape: [8, 4], data: new Float32Array(32) });
    assert.throws(
      () => layer.loadStateDict(wrong),
      (e: Error) =>
        e instanceof RangeError &&
        /"to_v\.weight" has shape \[8, 4\], expected \[8, 8\]/.test(e.message),
    );
    layer.loadStateDict(good);
    const back = await layer.stateDict();
    assert.deepEqual([...back.keys()], layer.specs.map((s) => s.name));
    for (const [k, t] of good) {
      assert.deepEqual([...back.get(k)!.data], [...Float32Array.from(t.data)], k);
    }
  },
});

const config = {
  _class_name: "LinFusion",
  modules_list: [
    {
      module_name: "down_blocks.0.attentions.0.transformer_blocks.0.attn1",
      dim_n: 8,
      heads: 2,
      projection_mid_dim: null,
    },
    {
      module_name: "mid_block.attentions.0.transformer_blocks.0.attn1",
      dim_n: 12,
      heads: 3,
      projection_mid_dim: 5,
    },
  ],
};

Deno.test({
  name: "LinFusion: modules by name from config.json, flat {i}.* keys, round trip, stray keys",
  ignore: noGpu,
  fn: async () => {
    using model = new LinFusion(JSON.stringify(config), { device });
    assert.deepEqual([...model.modules.keys()], config.modules_list.map((m) => m.module_name));
    const mid = model.modules.get("mid_block.attentions.0.transformer_blocks.0.attn1")!;
    assert.equal(mid.config.heads, 3);
    assert.equal(mid.config.mid, 5);
    const dict = await model.stateDict();
    assert.ok(
      dict.has("0.to_q.weight") && dict.has("1.to_k_.3.bias") && dict.has("1.to_out.0.bias"),
    );
    using copy = new LinFusion(JSON.parse(model.configJson()), { device, stateDict: dict });
    const again = await copy.stateDict();
    for (const [k, t] of dict) assert.deepEqual([...again.get(k)!.data], [...t.data], k);
    const stray = new Map(dict).set("2.to_q.weight", dict.get("0.to_q.weight")!);
    assert.throws(() => model.loadStateDict(stray), /unexpected keys.*2\.to_q\.weight/);
    const short = new Map(dict);
    short.delete("1.to_k_.0.weight");
    assert.throws(
      () => model.loadStateDict(short),
      /module 1 \(mid_block.*missing keys: to_k_\.0\.weight/,
    );
    assert.throws(
      () => new LinFusion({ modules_list: [{ ...config.modules_list[0], heads: 0 }] }, { device }),
      RangeError,
    );
  },
});

Deno.test({
  name:
    "safetensors: layer and LinFusion round trips (F32 exact, F16/BF16 rounded), bad files rejected",
  ignore: noGpu,
  fn: async () => {
    const opts = { dim: 8, numPatches: 16, numHeads: 2, srRatio: 2, device };
    using layer = new PolaLinearAttention({ ...opts, seed: 11 });
    const original = await layer.stateDict();
    for (const [dtype, tol] of [["F32", 0], ["F16", 2 ** -11], ["BF16", 2 ** -8]] as const) {
      using copy = PolaLinearAttention.fromSafetensors(await layer.toSafetensors(dtype), opts);
      const back = await copy.stateDict();
      for (const [k, t] of original) {
        const got = back.get(k)!.data;
        t.data.forEach((v, i) =>
          assert.ok(Math.abs(got[i] - v) <= tol * Math.abs(v), `${dtype} ${k}`)
        );
      }
    }
    // a file for another configuration: sr 1 has no sr.*/norm.* and a larger positional encoding
    using other = new PolaLinearAttention({ ...opts, srRatio: 1, numPatches: 4 });
    const bytes = await other.toSafetensors();
    assert.throws(
      () => PolaLinearAttention.fromSafetensors(bytes, opts),
      /missing keys: sr\.weight, sr\.bias, norm\.weight, norm\.bias/,
    );
    assert.throws(() => PolaLinearAttention.fromSafetensors(new Uint8Array(5), opts), RangeError);

    using model = new LinFusion(config, { device });
    using loaded = LinFusion.fromPretrained(model.configJson(), await model.toSafetensors("BF16"), {
      device,
    });
    const a = await model.stateDict(), b = await loaded.stateDict();
    for (const [k, t] of a) {
      t.data.forEach((v, i) =>
        assert.ok(Math.abs(b.get(k)!.data[i] - v) <= 2 ** -8 * Math.abs(v), k)
      );
    }
  },
});
