


@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> d_o: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;
struct Params {
  heads: u32,
  lq: u32,
  lk: u32,
  bh_count: u32,
  blocks: u32,
  scale_log2: f32,
  scale: f32,
}
@group(0) @binding(8) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

const TR = 8u;
const TC = 4u;
const NT = 32u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return (bh * len + t) * d; }

var<workgroup> s_k: array<vec4f, 1040>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 240>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, 520>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, 136>; // [BC][V] output gradients


var<workgroup> s_lse: array<f32, 8>;
var<workgroup> s_delta: array<f32, 8>;

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * 16u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  let row_lane = sid - tc; // lanes row_lane .. row_lane + TC − 1
  
  for (var e = lid; e < 1024u; e += NT) {
    let r = e / 64u;
    let c4 = e % 64u;
    var x = vec4f();
    if (t0 + r < u.lk && c4 < 64u) {
      x = vec4f(k[row_off(bh, t0 + r, u.lk, 256u) / 4u + c4]);
    }
    s_k[r * 65u + c4] = x;
  }
  
  for (var e = lid; e < 240u; e += NT) {
    let r = e / 15u;
    let c4 = e % 15u;
    var x = vec4f();
    if (t0 + r < u.lk && c4 < 15u) {
      x = vec4f(v[row_off(bh, t0 + r, u.lk, 60u) / 4u + c4]);
    }
    s_v[r * 15u + c4] = x;
  }
  var b_dk = array<array<vec4f, 16>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 4>, 2>(); // [own keys][value groups]
  var f_q = array<vec4<f32>, 16>();
  {
    let e = lid + 0u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[0] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[0] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[1] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[1] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[2] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[2] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[3] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[3] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[4] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[4] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[5] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[5] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[6] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[6] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[7] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[7] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 8u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[8] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[8] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 9u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[9] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[9] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 10u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[10] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[10] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 11u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[11] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[11] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 12u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[12] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[12] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 13u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[13] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[13] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 14u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[14] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[14] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 15u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[15] = vec4<f32>();
    if (e < 512u && 0u + r < u.lq && c4 < 64u) {
      f_q[15] = q[row_off(bh, 0u + r, u.lq, 256u) / 4u + c4];
    }
  }
var f_d_o = array<vec4<f32>, 4>();
  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[0] = vec4<f32>();
    if (e < 128u && 0u + r < u.lq && c4 < 15u) {
      f_d_o[0] = d_o[row_off(bh, 0u + r, u.lq, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[1] = vec4<f32>();
    if (e < 128u && 0u + r < u.lq && c4 < 15u) {
      f_d_o[1] = d_o[row_off(bh, 0u + r, u.lq, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[2] = vec4<f32>();
    if (e < 128u && 0u + r < u.lq && c4 < 15u) {
      f_d_o[2] = d_o[row_off(bh, 0u + r, u.lq, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[3] = vec4<f32>();
    if (e < 128u && 0u + r < u.lq && c4 < 15u) {
      f_d_o[3] = d_o[row_off(bh, 0u + r, u.lq, 60u) / 4u + c4];
    }
  }
var f_s_lse = 0.0;
var f_s_delta = 0.0;
    if (lid < 8u) {
      f_s_lse = lse[bh * u.lq + min(0u + lid, u.lq - 1u)];
      f_s_delta = delta[bh * u.lq + min(0u + lid, u.lq - 1u)];
    }
  for (var q0 = 0u; q0 < u.lq; q0 += 8u) {
    workgroupBarrier();
    if (lid < 8u) { s_lse[lid] = f_s_lse; s_delta[lid] = f_s_delta; }
  {
    let e = lid + 0u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[7]); }
  }
  {
    let e = lid + 8u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[8]); }
  }
  {
    let e = lid + 9u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[9]); }
  }
  {
    let e = lid + 10u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[10]); }
  }
  {
    let e = lid + 11u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[11]); }
  }
  {
    let e = lid + 12u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[12]); }
  }
  {
    let e = lid + 13u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[13]); }
  }
  {
    let e = lid + 14u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[14]); }
  }
  {
    let e = lid + 15u * NT;
    if (e < 512u) { s_q[(e / 64u) * 65u + e % 64u] = vec4f(f_q[15]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 128u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 128u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 128u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 128u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[3]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[0] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[0] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[1] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[1] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[2] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[2] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[3] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[3] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[4] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[4] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[5] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[5] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[6] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[6] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[7] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[7] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 8u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[8] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[8] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 9u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[9] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[9] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 10u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[10] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[10] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 11u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[11] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[11] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 12u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[12] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[12] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 13u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[13] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[13] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 14u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[14] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[14] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 15u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_q[15] = vec4<f32>();
    if (e < 512u && q0 + 8u + r < u.lq && c4 < 64u) {
      f_q[15] = q[row_off(bh, q0 + 8u + r, u.lq, 256u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[0] = vec4<f32>();
    if (e < 128u && q0 + 8u + r < u.lq && c4 < 15u) {
      f_d_o[0] = d_o[row_off(bh, q0 + 8u + r, u.lq, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[1] = vec4<f32>();
    if (e < 128u && q0 + 8u + r < u.lq && c4 < 15u) {
      f_d_o[1] = d_o[row_off(bh, q0 + 8u + r, u.lq, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[2] = vec4<f32>();
    if (e < 128u && q0 + 8u + r < u.lq && c4 < 15u) {
      f_d_o[2] = d_o[row_off(bh, q0 + 8u + r, u.lq, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[3] = vec4<f32>();
    if (e < 128u && q0 + 8u + r < u.lq && c4 < 15u) {
      f_d_o[3] = d_o[row_off(bh, q0 + 8u + r, u.lq, 60u) / 4u + c4];
    }
  }
    if (lid < 8u) {
      f_s_lse = lse[bh * u.lq + min(q0 + 8u + lid, u.lq - 1u)];
      f_s_delta = delta[bh * u.lq + min(q0 + 8u + lid, u.lq - 1u)];
    }
    var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
    
  for (var d4 = 0u; d4 < 64u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 65u + d4];
    let a1 = s_k[(tr + 1u * TR) * 65u + d4];
    let b0 = s_q[(tc + 0u * TC) * 65u + d4];
    let b1 = s_q[(tc + 1u * TC) * 65u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
    
  for (var d4 = 0u; d4 < 15u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 15u + d4];
    let a1 = s_v[(tr + 1u * TR) * 15u + d4];
    let b0 = s_do[(tc + 0u * TC) * 17u + d4];
    let b1 = s_do[(tc + 1u * TC) * 17u + d4];
    b_dp[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_dp[0][0]))));
    b_dp[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_dp[0][1]))));
    b_dp[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_dp[1][0]))));
    b_dp[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_dp[1][1]))));
  }
    {
      let col = tc + 0u * TC;
      let p = select(0.0, exp2(b_s[0][0] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[0][0] = p;
      b_dp[0][0] = p * (b_dp[0][0] - s_delta[col]);
    }
    {
      let col = tc + 1u * TC;
      let p = select(0.0, exp2(b_s[0][1] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[0][1] = p;
      b_dp[0][1] = p * (b_dp[0][1] - s_delta[col]);
    }
    {
      let col = tc + 0u * TC;
      let p = select(0.0, exp2(b_s[1][0] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[1][0] = p;
      b_dp[1][0] = p * (b_dp[1][0] - s_delta[col]);
    }
    {
      let col = tc + 1u * TC;
      let p = select(0.0, exp2(b_s[1][1] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[1][1] = p;
      b_dp[1][1] = p * (b_dp[1][1] - s_delta[col]);
    }

    
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      let x2 = s_do[c * 17u + tc + 2u * TC];
      let x3 = s_do[c * 17u + tc + 3u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      let x2 = s_do[c * 17u + tc + 2u * TC];
      let x3 = s_do[c * 17u + tc + 3u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
    }
  }
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let x0 = s_q[c * 65u + tc + 0u * TC];
      let x1 = s_q[c * 65u + tc + 1u * TC];
      let x2 = s_q[c * 65u + tc + 2u * TC];
      let x3 = s_q[c * 65u + tc + 3u * TC];
      let x4 = s_q[c * 65u + tc + 4u * TC];
      let x5 = s_q[c * 65u + tc + 5u * TC];
      let x6 = s_q[c * 65u + tc + 6u * TC];
      let x7 = s_q[c * 65u + tc + 7u * TC];
      let x8 = s_q[c * 65u + tc + 8u * TC];
      let x9 = s_q[c * 65u + tc + 9u * TC];
      let x10 = s_q[c * 65u + tc + 10u * TC];
      let x11 = s_q[c * 65u + tc + 11u * TC];
      let x12 = s_q[c * 65u + tc + 12u * TC];
      let x13 = s_q[c * 65u + tc + 13u * TC];
      let x14 = s_q[c * 65u + tc + 14u * TC];
      let x15 = s_q[c * 65u + tc + 15u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[0][8] = fma(vec4f(p0), x8, b_dk[0][8]);
      b_dk[0][9] = fma(vec4f(p0), x9, b_dk[0][9]);
      b_dk[0][10] = fma(vec4f(p0), x10, b_dk[0][10]);
      b_dk[0][11] = fma(vec4f(p0), x11, b_dk[0][11]);
      b_dk[0][12] = fma(vec4f(p0), x12, b_dk[0][12]);
      b_dk[0][13] = fma(vec4f(p0), x13, b_dk[0][13]);
      b_dk[0][14] = fma(vec4f(p0), x14, b_dk[0][14]);
      b_dk[0][15] = fma(vec4f(p0), x15, b_dk[0][15]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
      b_dk[1][8] = fma(vec4f(p1), x8, b_dk[1][8]);
      b_dk[1][9] = fma(vec4f(p1), x9, b_dk[1][9]);
      b_dk[1][10] = fma(vec4f(p1), x10, b_dk[1][10]);
      b_dk[1][11] = fma(vec4f(p1), x11, b_dk[1][11]);
      b_dk[1][12] = fma(vec4f(p1), x12, b_dk[1][12]);
      b_dk[1][13] = fma(vec4f(p1), x13, b_dk[1][13]);
      b_dk[1][14] = fma(vec4f(p1), x14, b_dk[1][14]);
      b_dk[1][15] = fma(vec4f(p1), x15, b_dk[1][15]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let x0 = s_q[c * 65u + tc + 0u * TC];
      let x1 = s_q[c * 65u + tc + 1u * TC];
      let x2 = s_q[c * 65u + tc + 2u * TC];
      let x3 = s_q[c * 65u + tc + 3u * TC];
      let x4 = s_q[c * 65u + tc + 4u * TC];
      let x5 = s_q[c * 65u + tc + 5u * TC];
      let x6 = s_q[c * 65u + tc + 6u * TC];
      let x7 = s_q[c * 65u + tc + 7u * TC];
      let x8 = s_q[c * 65u + tc + 8u * TC];
      let x9 = s_q[c * 65u + tc + 9u * TC];
      let x10 = s_q[c * 65u + tc + 10u * TC];
      let x11 = s_q[c * 65u + tc + 11u * TC];
      let x12 = s_q[c * 65u + tc + 12u * TC];
      let x13 = s_q[c * 65u + tc + 13u * TC];
      let x14 = s_q[c * 65u + tc + 14u * TC];
      let x15 = s_q[c * 65u + tc + 15u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[0][8] = fma(vec4f(p0), x8, b_dk[0][8]);
      b_dk[0][9] = fma(vec4f(p0), x9, b_dk[0][9]);
      b_dk[0][10] = fma(vec4f(p0), x10, b_dk[0][10]);
      b_dk[0][11] = fma(vec4f(p0), x11, b_dk[0][11]);
      b_dk[0][12] = fma(vec4f(p0), x12, b_dk[0][12]);
      b_dk[0][13] = fma(vec4f(p0), x13, b_dk[0][13]);
      b_dk[0][14] = fma(vec4f(p0), x14, b_dk[0][14]);
      b_dk[0][15] = fma(vec4f(p0), x15, b_dk[0][15]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
      b_dk[1][8] = fma(vec4f(p1), x8, b_dk[1][8]);
      b_dk[1][9] = fma(vec4f(p1), x9, b_dk[1][9]);
      b_dk[1][10] = fma(vec4f(p1), x10, b_dk[1][10]);
      b_dk[1][11] = fma(vec4f(p1), x11, b_dk[1][11]);
      b_dk[1][12] = fma(vec4f(p1), x12, b_dk[1][12]);
      b_dk[1][13] = fma(vec4f(p1), x13, b_dk[1][13]);
      b_dk[1][14] = fma(vec4f(p1), x14, b_dk[1][14]);
      b_dk[1][15] = fma(vec4f(p1), x15, b_dk[1][15]);
    }
  }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 60u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[0][0] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[0][1] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dv[0][2] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dv[0][3] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 60u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[1][0] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[1][1] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dv[1][2] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dv[1][3] * 1.0;
      if (c + 0u < 60u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 60u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 60u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 60u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 256u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[0][0] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[0][1] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dk[0][2] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dk[0][3] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dk[0][4] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dk[0][5] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dk[0][6] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dk[0][7] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 8u * TC) * 4u;
      let x = b_dk[0][8] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 9u * TC) * 4u;
      let x = b_dk[0][9] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 10u * TC) * 4u;
      let x = b_dk[0][10] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 11u * TC) * 4u;
      let x = b_dk[0][11] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 12u * TC) * 4u;
      let x = b_dk[0][12] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 13u * TC) * 4u;
      let x = b_dk[0][13] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 14u * TC) * 4u;
      let x = b_dk[0][14] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 15u * TC) * 4u;
      let x = b_dk[0][15] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 256u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[1][0] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[1][1] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dk[1][2] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dk[1][3] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dk[1][4] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dk[1][5] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dk[1][6] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dk[1][7] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 8u * TC) * 4u;
      let x = b_dk[1][8] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 9u * TC) * 4u;
      let x = b_dk[1][9] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 10u * TC) * 4u;
      let x = b_dk[1][10] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 11u * TC) * 4u;
      let x = b_dk[1][11] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 12u * TC) * 4u;
      let x = b_dk[1][12] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 13u * TC) * 4u;
      let x = b_dk[1][13] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 14u * TC) * 4u;
      let x = b_dk[1][14] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 15u * TC) * 4u;
      let x = b_dk[1][15] * u.scale;
      if (c + 0u < 256u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
  }
}
