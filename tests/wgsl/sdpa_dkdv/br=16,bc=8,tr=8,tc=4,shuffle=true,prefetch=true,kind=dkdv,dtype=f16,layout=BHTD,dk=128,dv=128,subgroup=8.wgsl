
enable f16;

@group(0) @binding(0) var<storage, read> q: array<vec4<f16>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f16>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f16>>;
@group(0) @binding(3) var<storage, read> d_o: array<vec4<f16>>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f16>;
@group(0) @binding(7) var<storage, read_write> dv: array<f16>;
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

var<workgroup> s_k: array<vec4f, 528>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 528>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, 264>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, 264>; // [BC][V] output gradients


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
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.lk && c4 < 32u) {
      x = vec4f(k[row_off(bh, t0 + r, u.lk, 128u) / 4u + c4]);
    }
    s_k[r * 33u + c4] = x;
  }
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.lk && c4 < 32u) {
      x = vec4f(v[row_off(bh, t0 + r, u.lk, 128u) / 4u + c4]);
    }
    s_v[r * 33u + c4] = x;
  }
  var b_dk = array<array<vec4f, 8>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 8>, 2>(); // [own keys][value groups]
  var f_q = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[0] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[0] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[1] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[1] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[2] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[2] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[3] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[3] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[4] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[4] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[5] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[5] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[6] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[6] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[7] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_q[7] = q[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
var f_d_o = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[0] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[0] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[1] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[1] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[2] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[2] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[3] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[3] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[4] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[4] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[5] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[5] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[6] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[6] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[7] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 32u) {
      f_d_o[7] = d_o[row_off(bh, 0u + r, u.lq, 128u) / 4u + c4];
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
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[7]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_d_o[7]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[0] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[0] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[1] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[1] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[2] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[2] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[3] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[3] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[4] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[4] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[5] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[5] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[6] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[6] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[7] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_q[7] = q[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[0] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[0] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[1] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[1] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[2] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[2] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[3] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[3] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[4] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[4] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[5] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[5] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[6] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[6] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_d_o[7] = vec4<f16>();
    if (e < 256u && q0 + 8u + r < u.lq && c4 < 32u) {
      f_d_o[7] = d_o[row_off(bh, q0 + 8u + r, u.lq, 128u) / 4u + c4];
    }
  }
    if (lid < 8u) {
      f_s_lse = lse[bh * u.lq + min(q0 + 8u + lid, u.lq - 1u)];
      f_s_delta = delta[bh * u.lq + min(q0 + 8u + lid, u.lq - 1u)];
    }
    var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
    
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 33u + d4];
    let a1 = s_k[(tr + 1u * TR) * 33u + d4];
    let b0 = s_q[(tc + 0u * TC) * 33u + d4];
    let b1 = s_q[(tc + 1u * TC) * 33u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
    
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 33u + d4];
    let a1 = s_v[(tr + 1u * TR) * 33u + d4];
    let b0 = s_do[(tc + 0u * TC) * 33u + d4];
    let b1 = s_do[(tc + 1u * TC) * 33u + d4];
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
      let x0 = s_do[c * 33u + tc + 0u * TC];
      let x1 = s_do[c * 33u + tc + 1u * TC];
      let x2 = s_do[c * 33u + tc + 2u * TC];
      let x3 = s_do[c * 33u + tc + 3u * TC];
      let x4 = s_do[c * 33u + tc + 4u * TC];
      let x5 = s_do[c * 33u + tc + 5u * TC];
      let x6 = s_do[c * 33u + tc + 6u * TC];
      let x7 = s_do[c * 33u + tc + 7u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[0][4] = fma(vec4f(p0), x4, b_dv[0][4]);
      b_dv[0][5] = fma(vec4f(p0), x5, b_dv[0][5]);
      b_dv[0][6] = fma(vec4f(p0), x6, b_dv[0][6]);
      b_dv[0][7] = fma(vec4f(p0), x7, b_dv[0][7]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
      b_dv[1][4] = fma(vec4f(p1), x4, b_dv[1][4]);
      b_dv[1][5] = fma(vec4f(p1), x5, b_dv[1][5]);
      b_dv[1][6] = fma(vec4f(p1), x6, b_dv[1][6]);
      b_dv[1][7] = fma(vec4f(p1), x7, b_dv[1][7]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_do[c * 33u + tc + 0u * TC];
      let x1 = s_do[c * 33u + tc + 1u * TC];
      let x2 = s_do[c * 33u + tc + 2u * TC];
      let x3 = s_do[c * 33u + tc + 3u * TC];
      let x4 = s_do[c * 33u + tc + 4u * TC];
      let x5 = s_do[c * 33u + tc + 5u * TC];
      let x6 = s_do[c * 33u + tc + 6u * TC];
      let x7 = s_do[c * 33u + tc + 7u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[0][4] = fma(vec4f(p0), x4, b_dv[0][4]);
      b_dv[0][5] = fma(vec4f(p0), x5, b_dv[0][5]);
      b_dv[0][6] = fma(vec4f(p0), x6, b_dv[0][6]);
      b_dv[0][7] = fma(vec4f(p0), x7, b_dv[0][7]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
      b_dv[1][4] = fma(vec4f(p1), x4, b_dv[1][4]);
      b_dv[1][5] = fma(vec4f(p1), x5, b_dv[1][5]);
      b_dv[1][6] = fma(vec4f(p1), x6, b_dv[1][6]);
      b_dv[1][7] = fma(vec4f(p1), x7, b_dv[1][7]);
    }
  }
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let x0 = s_q[c * 33u + tc + 0u * TC];
      let x1 = s_q[c * 33u + tc + 1u * TC];
      let x2 = s_q[c * 33u + tc + 2u * TC];
      let x3 = s_q[c * 33u + tc + 3u * TC];
      let x4 = s_q[c * 33u + tc + 4u * TC];
      let x5 = s_q[c * 33u + tc + 5u * TC];
      let x6 = s_q[c * 33u + tc + 6u * TC];
      let x7 = s_q[c * 33u + tc + 7u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let x0 = s_q[c * 33u + tc + 0u * TC];
      let x1 = s_q[c * 33u + tc + 1u * TC];
      let x2 = s_q[c * 33u + tc + 2u * TC];
      let x3 = s_q[c * 33u + tc + 3u * TC];
      let x4 = s_q[c * 33u + tc + 4u * TC];
      let x5 = s_q[c * 33u + tc + 5u * TC];
      let x6 = s_q[c * 33u + tc + 6u * TC];
      let x7 = s_q[c * 33u + tc + 7u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
    }
  }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[0][0] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[0][1] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dv[0][2] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dv[0][3] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dv[0][4] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dv[0][5] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dv[0][6] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dv[0][7] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[1][0] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[1][1] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dv[1][2] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dv[1][3] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dv[1][4] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dv[1][5] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dv[1][6] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dv[1][7] * 1.0;
      if (c + 0u < 128u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[0][0] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[0][1] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dk[0][2] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dk[0][3] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dk[0][4] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dk[0][5] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dk[0][6] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dk[0][7] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[1][0] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[1][1] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_dk[1][2] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_dk[1][3] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_dk[1][4] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_dk[1][5] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_dk[1][6] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_dk[1][7] * u.scale;
      if (c + 0u < 128u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
  }
}
