


@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> d_o: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;
struct Params {
  heads: u32,
  lq: u32,
  lk: u32,
  bh_count: u32,
  blocks: u32,
  scale_log2: f32,
  scale: f32,
}
@group(0) @binding(7) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

const TR = 8u;
const TC = 4u;
const NT = 32u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return (bh * len + t) * d; }

var<workgroup> s_q: array<vec4f, 1040>;  // [BR][K] own queries
var<workgroup> s_do: array<vec4f, 240>; // [BR][V] their output gradients
var<workgroup> s_k: array<vec4f, 520>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, 120>;  // [BC][V] values


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
    if (t0 + r < u.lq && c4 < 64u) {
      x = vec4f(q[row_off(bh, t0 + r, u.lq, 256u) / 4u + c4]);
    }
    s_q[r * 65u + c4] = x;
  }
  
  for (var e = lid; e < 240u; e += NT) {
    let r = e / 15u;
    let c4 = e % 15u;
    var x = vec4f();
    if (t0 + r < u.lq && c4 < 15u) {
      x = vec4f(d_o[row_off(bh, t0 + r, u.lq, 60u) / 4u + c4]);
    }
    s_do[r * 15u + c4] = x;
  }
  var b_lse = array<f32, 2>();
  b_lse[0] = lse[bh * u.lq + min(t0 + tr + 0u * TR, u.lq - 1u)];
  b_lse[1] = lse[bh * u.lq + min(t0 + tr + 1u * TR, u.lq - 1u)];
  var b_delta = array<f32, 2>();
  b_delta[0] = delta[bh * u.lq + min(t0 + tr + 0u * TR, u.lq - 1u)];
  b_delta[1] = delta[bh * u.lq + min(t0 + tr + 1u * TR, u.lq - 1u)];
  var b_dq = array<array<vec4f, 16>, 2>(); // [own rows][key groups]
  var f_k = array<vec4<f32>, 16>();
  {
    let e = lid + 0u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[0] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[0] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[1] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[1] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[2] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[2] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[3] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[3] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[4] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[4] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[5] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[5] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[6] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[6] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[7] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[7] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 8u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[8] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[8] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 9u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[9] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[9] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 10u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[10] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[10] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 11u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[11] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[11] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 12u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[12] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[12] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 13u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[13] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[13] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 14u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[14] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[14] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 15u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[15] = vec4<f32>();
    if (e < 512u && 0u + r < u.lk && c4 < 64u) {
      f_k[15] = k[row_off(bh, 0u + r, u.lk, 256u) / 4u + c4];
    }
  }
var f_v = array<vec4<f32>, 4>();
  {
    let e = lid + 0u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[0] = vec4<f32>();
    if (e < 120u && 0u + r < u.lk && c4 < 15u) {
      f_v[0] = v[row_off(bh, 0u + r, u.lk, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[1] = vec4<f32>();
    if (e < 120u && 0u + r < u.lk && c4 < 15u) {
      f_v[1] = v[row_off(bh, 0u + r, u.lk, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[2] = vec4<f32>();
    if (e < 120u && 0u + r < u.lk && c4 < 15u) {
      f_v[2] = v[row_off(bh, 0u + r, u.lk, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[3] = vec4<f32>();
    if (e < 120u && 0u + r < u.lk && c4 < 15u) {
      f_v[3] = v[row_off(bh, 0u + r, u.lk, 60u) / 4u + c4];
    }
  }

  for (var k0 = 0u; k0 < u.lk; k0 += 8u) {
    workgroupBarrier();
      {
    let e = lid + 0u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[7]); }
  }
  {
    let e = lid + 8u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[8]); }
  }
  {
    let e = lid + 9u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[9]); }
  }
  {
    let e = lid + 10u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[10]); }
  }
  {
    let e = lid + 11u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[11]); }
  }
  {
    let e = lid + 12u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[12]); }
  }
  {
    let e = lid + 13u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[13]); }
  }
  {
    let e = lid + 14u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[14]); }
  }
  {
    let e = lid + 15u * NT;
    if (e < 512u) { s_k[(e / 64u) * 65u + e % 64u] = vec4f(f_k[15]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 120u) { s_v[(e / 15u) * 15u + e % 15u] = vec4f(f_v[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 120u) { s_v[(e / 15u) * 15u + e % 15u] = vec4f(f_v[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 120u) { s_v[(e / 15u) * 15u + e % 15u] = vec4f(f_v[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 120u) { s_v[(e / 15u) * 15u + e % 15u] = vec4f(f_v[3]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[0] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[0] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[1] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[1] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[2] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[2] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[3] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[3] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[4] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[4] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[5] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[5] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[6] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[6] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[7] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[7] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 8u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[8] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[8] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 9u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[9] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[9] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 10u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[10] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[10] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 11u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[11] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[11] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 12u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[12] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[12] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 13u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[13] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[13] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 14u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[14] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[14] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }
  {
    let e = lid + 15u * NT;
    let r = e / 64u;
    let c4 = e % 64u;
    f_k[15] = vec4<f32>();
    if (e < 512u && k0 + 8u + r < u.lk && c4 < 64u) {
      f_k[15] = k[row_off(bh, k0 + 8u + r, u.lk, 256u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[0] = vec4<f32>();
    if (e < 120u && k0 + 8u + r < u.lk && c4 < 15u) {
      f_v[0] = v[row_off(bh, k0 + 8u + r, u.lk, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[1] = vec4<f32>();
    if (e < 120u && k0 + 8u + r < u.lk && c4 < 15u) {
      f_v[1] = v[row_off(bh, k0 + 8u + r, u.lk, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[2] = vec4<f32>();
    if (e < 120u && k0 + 8u + r < u.lk && c4 < 15u) {
      f_v[2] = v[row_off(bh, k0 + 8u + r, u.lk, 60u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 15u;
    let c4 = e % 15u;
    f_v[3] = vec4<f32>();
    if (e < 120u && k0 + 8u + r < u.lk && c4 < 15u) {
      f_v[3] = v[row_off(bh, k0 + 8u + r, u.lk, 60u) / 4u + c4];
    }
  }

    var b_s = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 64u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 65u + d4];
    let a1 = s_q[(tr + 1u * TR) * 65u + d4];
    let b0 = s_k[(tc + 0u * TC) * 65u + d4];
    let b1 = s_k[(tc + 1u * TC) * 65u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    var b_dp = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 15u; d4++) {
    let a0 = s_do[(tr + 0u * TR) * 15u + d4];
    let a1 = s_do[(tr + 1u * TR) * 15u + d4];
    let b0 = s_v[(tc + 0u * TC) * 15u + d4];
    let b1 = s_v[(tc + 1u * TC) * 15u + d4];
    b_dp[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_dp[0][0]))));
    b_dp[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_dp[0][1]))));
    b_dp[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_dp[1][0]))));
    b_dp[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_dp[1][1]))));
  }
    {
      let p = select(0.0, exp2(b_s[0][0] * u.scale_log2 - b_lse[0]), k0 + tc + 0u * TC < u.lk);
      b_s[0][0] = p * (b_dp[0][0] - b_delta[0]); // dS
    }
    {
      let p = select(0.0, exp2(b_s[0][1] * u.scale_log2 - b_lse[0]), k0 + tc + 1u * TC < u.lk);
      b_s[0][1] = p * (b_dp[0][1] - b_delta[0]); // dS
    }
    {
      let p = select(0.0, exp2(b_s[1][0] * u.scale_log2 - b_lse[1]), k0 + tc + 0u * TC < u.lk);
      b_s[1][0] = p * (b_dp[1][0] - b_delta[1]); // dS
    }
    {
      let p = select(0.0, exp2(b_s[1][1] * u.scale_log2 - b_lse[1]), k0 + tc + 1u * TC < u.lk);
      b_s[1][1] = p * (b_dp[1][1] - b_delta[1]); // dS
    }

    
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let x0 = s_k[c * 65u + tc + 0u * TC];
      let x1 = s_k[c * 65u + tc + 1u * TC];
      let x2 = s_k[c * 65u + tc + 2u * TC];
      let x3 = s_k[c * 65u + tc + 3u * TC];
      let x4 = s_k[c * 65u + tc + 4u * TC];
      let x5 = s_k[c * 65u + tc + 5u * TC];
      let x6 = s_k[c * 65u + tc + 6u * TC];
      let x7 = s_k[c * 65u + tc + 7u * TC];
      let x8 = s_k[c * 65u + tc + 8u * TC];
      let x9 = s_k[c * 65u + tc + 9u * TC];
      let x10 = s_k[c * 65u + tc + 10u * TC];
      let x11 = s_k[c * 65u + tc + 11u * TC];
      let x12 = s_k[c * 65u + tc + 12u * TC];
      let x13 = s_k[c * 65u + tc + 13u * TC];
      let x14 = s_k[c * 65u + tc + 14u * TC];
      let x15 = s_k[c * 65u + tc + 15u * TC];
      b_dq[0][0] = fma(vec4f(p0), x0, b_dq[0][0]);
      b_dq[0][1] = fma(vec4f(p0), x1, b_dq[0][1]);
      b_dq[0][2] = fma(vec4f(p0), x2, b_dq[0][2]);
      b_dq[0][3] = fma(vec4f(p0), x3, b_dq[0][3]);
      b_dq[0][4] = fma(vec4f(p0), x4, b_dq[0][4]);
      b_dq[0][5] = fma(vec4f(p0), x5, b_dq[0][5]);
      b_dq[0][6] = fma(vec4f(p0), x6, b_dq[0][6]);
      b_dq[0][7] = fma(vec4f(p0), x7, b_dq[0][7]);
      b_dq[0][8] = fma(vec4f(p0), x8, b_dq[0][8]);
      b_dq[0][9] = fma(vec4f(p0), x9, b_dq[0][9]);
      b_dq[0][10] = fma(vec4f(p0), x10, b_dq[0][10]);
      b_dq[0][11] = fma(vec4f(p0), x11, b_dq[0][11]);
      b_dq[0][12] = fma(vec4f(p0), x12, b_dq[0][12]);
      b_dq[0][13] = fma(vec4f(p0), x13, b_dq[0][13]);
      b_dq[0][14] = fma(vec4f(p0), x14, b_dq[0][14]);
      b_dq[0][15] = fma(vec4f(p0), x15, b_dq[0][15]);
      b_dq[1][0] = fma(vec4f(p1), x0, b_dq[1][0]);
      b_dq[1][1] = fma(vec4f(p1), x1, b_dq[1][1]);
      b_dq[1][2] = fma(vec4f(p1), x2, b_dq[1][2]);
      b_dq[1][3] = fma(vec4f(p1), x3, b_dq[1][3]);
      b_dq[1][4] = fma(vec4f(p1), x4, b_dq[1][4]);
      b_dq[1][5] = fma(vec4f(p1), x5, b_dq[1][5]);
      b_dq[1][6] = fma(vec4f(p1), x6, b_dq[1][6]);
      b_dq[1][7] = fma(vec4f(p1), x7, b_dq[1][7]);
      b_dq[1][8] = fma(vec4f(p1), x8, b_dq[1][8]);
      b_dq[1][9] = fma(vec4f(p1), x9, b_dq[1][9]);
      b_dq[1][10] = fma(vec4f(p1), x10, b_dq[1][10]);
      b_dq[1][11] = fma(vec4f(p1), x11, b_dq[1][11]);
      b_dq[1][12] = fma(vec4f(p1), x12, b_dq[1][12]);
      b_dq[1][13] = fma(vec4f(p1), x13, b_dq[1][13]);
      b_dq[1][14] = fma(vec4f(p1), x14, b_dq[1][14]);
      b_dq[1][15] = fma(vec4f(p1), x15, b_dq[1][15]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_k[c * 65u + tc + 0u * TC];
      let x1 = s_k[c * 65u + tc + 1u * TC];
      let x2 = s_k[c * 65u + tc + 2u * TC];
      let x3 = s_k[c * 65u + tc + 3u * TC];
      let x4 = s_k[c * 65u + tc + 4u * TC];
      let x5 = s_k[c * 65u + tc + 5u * TC];
      let x6 = s_k[c * 65u + tc + 6u * TC];
      let x7 = s_k[c * 65u + tc + 7u * TC];
      let x8 = s_k[c * 65u + tc + 8u * TC];
      let x9 = s_k[c * 65u + tc + 9u * TC];
      let x10 = s_k[c * 65u + tc + 10u * TC];
      let x11 = s_k[c * 65u + tc + 11u * TC];
      let x12 = s_k[c * 65u + tc + 12u * TC];
      let x13 = s_k[c * 65u + tc + 13u * TC];
      let x14 = s_k[c * 65u + tc + 14u * TC];
      let x15 = s_k[c * 65u + tc + 15u * TC];
      b_dq[0][0] = fma(vec4f(p0), x0, b_dq[0][0]);
      b_dq[0][1] = fma(vec4f(p0), x1, b_dq[0][1]);
      b_dq[0][2] = fma(vec4f(p0), x2, b_dq[0][2]);
      b_dq[0][3] = fma(vec4f(p0), x3, b_dq[0][3]);
      b_dq[0][4] = fma(vec4f(p0), x4, b_dq[0][4]);
      b_dq[0][5] = fma(vec4f(p0), x5, b_dq[0][5]);
      b_dq[0][6] = fma(vec4f(p0), x6, b_dq[0][6]);
      b_dq[0][7] = fma(vec4f(p0), x7, b_dq[0][7]);
      b_dq[0][8] = fma(vec4f(p0), x8, b_dq[0][8]);
      b_dq[0][9] = fma(vec4f(p0), x9, b_dq[0][9]);
      b_dq[0][10] = fma(vec4f(p0), x10, b_dq[0][10]);
      b_dq[0][11] = fma(vec4f(p0), x11, b_dq[0][11]);
      b_dq[0][12] = fma(vec4f(p0), x12, b_dq[0][12]);
      b_dq[0][13] = fma(vec4f(p0), x13, b_dq[0][13]);
      b_dq[0][14] = fma(vec4f(p0), x14, b_dq[0][14]);
      b_dq[0][15] = fma(vec4f(p0), x15, b_dq[0][15]);
      b_dq[1][0] = fma(vec4f(p1), x0, b_dq[1][0]);
      b_dq[1][1] = fma(vec4f(p1), x1, b_dq[1][1]);
      b_dq[1][2] = fma(vec4f(p1), x2, b_dq[1][2]);
      b_dq[1][3] = fma(vec4f(p1), x3, b_dq[1][3]);
      b_dq[1][4] = fma(vec4f(p1), x4, b_dq[1][4]);
      b_dq[1][5] = fma(vec4f(p1), x5, b_dq[1][5]);
      b_dq[1][6] = fma(vec4f(p1), x6, b_dq[1][6]);
      b_dq[1][7] = fma(vec4f(p1), x7, b_dq[1][7]);
      b_dq[1][8] = fma(vec4f(p1), x8, b_dq[1][8]);
      b_dq[1][9] = fma(vec4f(p1), x9, b_dq[1][9]);
      b_dq[1][10] = fma(vec4f(p1), x10, b_dq[1][10]);
      b_dq[1][11] = fma(vec4f(p1), x11, b_dq[1][11]);
      b_dq[1][12] = fma(vec4f(p1), x12, b_dq[1][12]);
      b_dq[1][13] = fma(vec4f(p1), x13, b_dq[1][13]);
      b_dq[1][14] = fma(vec4f(p1), x14, b_dq[1][14]);
      b_dq[1][15] = fma(vec4f(p1), x15, b_dq[1][15]);
    }
  }
  }
  
  if (t0 + tr + 0u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lq, 256u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dq[0][0] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dq[0][1] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dq[0][2] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dq[0][3] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dq[0][4] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dq[0][5] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dq[0][6] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dq[0][7] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 8u * TC) * 4u;
      let x = b_dq[0][8] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 9u * TC) * 4u;
      let x = b_dq[0][9] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 10u * TC) * 4u;
      let x = b_dq[0][10] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 11u * TC) * 4u;
      let x = b_dq[0][11] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 12u * TC) * 4u;
      let x = b_dq[0][12] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 13u * TC) * 4u;
      let x = b_dq[0][13] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 14u * TC) * 4u;
      let x = b_dq[0][14] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 15u * TC) * 4u;
      let x = b_dq[0][15] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lq, 256u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dq[1][0] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dq[1][1] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dq[1][2] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dq[1][3] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dq[1][4] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dq[1][5] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dq[1][6] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dq[1][7] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 8u * TC) * 4u;
      let x = b_dq[1][8] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 9u * TC) * 4u;
      let x = b_dq[1][9] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 10u * TC) * 4u;
      let x = b_dq[1][10] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 11u * TC) * 4u;
      let x = b_dq[1][11] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 12u * TC) * 4u;
      let x = b_dq[1][12] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 13u * TC) * 4u;
      let x = b_dq[1][13] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 14u * TC) * 4u;
      let x = b_dq[1][14] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 15u * TC) * 4u;
      let x = b_dq[1][15] * u.scale;
      if (c + 0u < 256u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 256u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 256u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 256u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
  }
}
