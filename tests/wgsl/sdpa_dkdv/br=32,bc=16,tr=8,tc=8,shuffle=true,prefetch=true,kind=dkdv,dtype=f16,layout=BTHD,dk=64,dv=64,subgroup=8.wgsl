
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
const TC = 8u;
const NT = 64u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return ((bh / u.heads) * len + t) * u.heads * d + (bh % u.heads) * d; }

var<workgroup> s_k: array<vec4f, 544>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 544>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, 272>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, 272>; // [BC][V] output gradients


var<workgroup> s_lse: array<f32, 16>;
var<workgroup> s_delta: array<f32, 16>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * 32u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  let row_lane = sid - tc; // lanes row_lane .. row_lane + TC − 1
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (t0 + r < u.lk && c4 < 16u) {
      x = vec4f(k[row_off(bh, t0 + r, u.lk, 64u) / 4u + c4]);
    }
    s_k[r * 17u + c4] = x;
  }
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (t0 + r < u.lk && c4 < 16u) {
      x = vec4f(v[row_off(bh, t0 + r, u.lk, 64u) / 4u + c4]);
    }
    s_v[r * 17u + c4] = x;
  }
  var b_dk = array<array<vec4f, 2>, 4>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 2>, 4>(); // [own keys][value groups]
  var f_q = array<vec4<f16>, 4>();
  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[0] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_q[0] = q[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[1] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_q[1] = q[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[2] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_q[2] = q[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[3] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_q[3] = q[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
var f_d_o = array<vec4<f16>, 4>();
  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[0] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_d_o[0] = d_o[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[1] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_d_o[1] = d_o[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[2] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_d_o[2] = d_o[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[3] = vec4<f16>();
    if (e < 256u && 0u + r < u.lq && c4 < 16u) {
      f_d_o[3] = d_o[row_off(bh, 0u + r, u.lq, 64u) / 4u + c4];
    }
  }
var f_s_lse = 0.0;
var f_s_delta = 0.0;
    if (lid < 16u) {
      f_s_lse = lse[bh * u.lq + min(0u + lid, u.lq - 1u)];
      f_s_delta = delta[bh * u.lq + min(0u + lid, u.lq - 1u)];
    }
  for (var q0 = 0u; q0 < u.lq; q0 += 16u) {
    workgroupBarrier();
    if (lid < 16u) { s_lse[lid] = f_s_lse; s_delta[lid] = f_s_delta; }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_q[(e / 16u) * 17u + e % 16u] = vec4f(f_q[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_q[(e / 16u) * 17u + e % 16u] = vec4f(f_q[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_q[(e / 16u) * 17u + e % 16u] = vec4f(f_q[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_q[(e / 16u) * 17u + e % 16u] = vec4f(f_q[3]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_do[(e / 16u) * 17u + e % 16u] = vec4f(f_d_o[3]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[0] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_q[0] = q[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[1] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_q[1] = q[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[2] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_q[2] = q[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_q[3] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_q[3] = q[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[0] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_d_o[0] = d_o[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[1] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_d_o[1] = d_o[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[2] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_d_o[2] = d_o[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_d_o[3] = vec4<f16>();
    if (e < 256u && q0 + 16u + r < u.lq && c4 < 16u) {
      f_d_o[3] = d_o[row_off(bh, q0 + 16u + r, u.lq, 64u) / 4u + c4];
    }
  }
    if (lid < 16u) {
      f_s_lse = lse[bh * u.lq + min(q0 + 16u + lid, u.lq - 1u)];
      f_s_delta = delta[bh * u.lq + min(q0 + 16u + lid, u.lq - 1u)];
    }
    var b_s = array<array<f32, 2>, 4>(); // Sᵀ: [own keys][queries], then Pᵀ
    
  for (var d4 = 0u; d4 < 16u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 17u + d4];
    let a1 = s_k[(tr + 1u * TR) * 17u + d4];
    let a2 = s_k[(tr + 2u * TR) * 17u + d4];
    let a3 = s_k[(tr + 3u * TR) * 17u + d4];
    let b0 = s_q[(tc + 0u * TC) * 17u + d4];
    let b1 = s_q[(tc + 1u * TC) * 17u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
    b_s[2][0] = fma(a2.w, b0.w, fma(a2.z, b0.z, fma(a2.y, b0.y, fma(a2.x, b0.x, b_s[2][0]))));
    b_s[2][1] = fma(a2.w, b1.w, fma(a2.z, b1.z, fma(a2.y, b1.y, fma(a2.x, b1.x, b_s[2][1]))));
    b_s[3][0] = fma(a3.w, b0.w, fma(a3.z, b0.z, fma(a3.y, b0.y, fma(a3.x, b0.x, b_s[3][0]))));
    b_s[3][1] = fma(a3.w, b1.w, fma(a3.z, b1.z, fma(a3.y, b1.y, fma(a3.x, b1.x, b_s[3][1]))));
  }
    var b_dp = array<array<f32, 2>, 4>(); // dPᵀ = V dOᵀ, then dSᵀ
    
  for (var d4 = 0u; d4 < 16u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 17u + d4];
    let a1 = s_v[(tr + 1u * TR) * 17u + d4];
    let a2 = s_v[(tr + 2u * TR) * 17u + d4];
    let a3 = s_v[(tr + 3u * TR) * 17u + d4];
    let b0 = s_do[(tc + 0u * TC) * 17u + d4];
    let b1 = s_do[(tc + 1u * TC) * 17u + d4];
    b_dp[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_dp[0][0]))));
    b_dp[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_dp[0][1]))));
    b_dp[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_dp[1][0]))));
    b_dp[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_dp[1][1]))));
    b_dp[2][0] = fma(a2.w, b0.w, fma(a2.z, b0.z, fma(a2.y, b0.y, fma(a2.x, b0.x, b_dp[2][0]))));
    b_dp[2][1] = fma(a2.w, b1.w, fma(a2.z, b1.z, fma(a2.y, b1.y, fma(a2.x, b1.x, b_dp[2][1]))));
    b_dp[3][0] = fma(a3.w, b0.w, fma(a3.z, b0.z, fma(a3.y, b0.y, fma(a3.x, b0.x, b_dp[3][0]))));
    b_dp[3][1] = fma(a3.w, b1.w, fma(a3.z, b1.z, fma(a3.y, b1.y, fma(a3.x, b1.x, b_dp[3][1]))));
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
    {
      let col = tc + 0u * TC;
      let p = select(0.0, exp2(b_s[2][0] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[2][0] = p;
      b_dp[2][0] = p * (b_dp[2][0] - s_delta[col]);
    }
    {
      let col = tc + 1u * TC;
      let p = select(0.0, exp2(b_s[2][1] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[2][1] = p;
      b_dp[2][1] = p * (b_dp[2][1] - s_delta[col]);
    }
    {
      let col = tc + 0u * TC;
      let p = select(0.0, exp2(b_s[3][0] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[3][0] = p;
      b_dp[3][0] = p * (b_dp[3][0] - s_delta[col]);
    }
    {
      let col = tc + 1u * TC;
      let p = select(0.0, exp2(b_s[3][1] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[3][1] = p;
      b_dp[3][1] = p * (b_dp[3][1] - s_delta[col]);
    }

    
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let p2 = subgroupShuffle(b_s[2][0], lane);
      let p3 = subgroupShuffle(b_s[3][0], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[2][0] = fma(vec4f(p2), x0, b_dv[2][0]);
      b_dv[2][1] = fma(vec4f(p2), x1, b_dv[2][1]);
      b_dv[3][0] = fma(vec4f(p3), x0, b_dv[3][0]);
      b_dv[3][1] = fma(vec4f(p3), x1, b_dv[3][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let p2 = subgroupShuffle(b_s[2][1], lane);
      let p3 = subgroupShuffle(b_s[3][1], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[2][0] = fma(vec4f(p2), x0, b_dv[2][0]);
      b_dv[2][1] = fma(vec4f(p2), x1, b_dv[2][1]);
      b_dv[3][0] = fma(vec4f(p3), x0, b_dv[3][0]);
      b_dv[3][1] = fma(vec4f(p3), x1, b_dv[3][1]);
    }
  }
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let p2 = subgroupShuffle(b_dp[2][0], lane);
      let p3 = subgroupShuffle(b_dp[3][0], lane);
      let x0 = s_q[c * 17u + tc + 0u * TC];
      let x1 = s_q[c * 17u + tc + 1u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[2][0] = fma(vec4f(p2), x0, b_dk[2][0]);
      b_dk[2][1] = fma(vec4f(p2), x1, b_dk[2][1]);
      b_dk[3][0] = fma(vec4f(p3), x0, b_dk[3][0]);
      b_dk[3][1] = fma(vec4f(p3), x1, b_dk[3][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let p2 = subgroupShuffle(b_dp[2][1], lane);
      let p3 = subgroupShuffle(b_dp[3][1], lane);
      let x0 = s_q[c * 17u + tc + 0u * TC];
      let x1 = s_q[c * 17u + tc + 1u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[2][0] = fma(vec4f(p2), x0, b_dk[2][0]);
      b_dk[2][1] = fma(vec4f(p2), x1, b_dk[2][1]);
      b_dk[3][0] = fma(vec4f(p3), x0, b_dk[3][0]);
      b_dk[3][1] = fma(vec4f(p3), x1, b_dk[3][1]);
    }
  }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[0][0] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[0][1] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[1][0] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[1][1] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 2u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 2u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[2][0] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[2][1] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 3u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 3u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[3][0] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[3][1] * 1.0;
      if (c + 0u < 64u) { dv[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dv[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dv[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dv[o_row + c + 3u] = f16(x[3]); }
    }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[0][0] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[0][1] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[1][0] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[1][1] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 2u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 2u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[2][0] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[2][1] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 3u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 3u * TR, u.lk, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[3][0] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dk[3][1] * u.scale;
      if (c + 0u < 64u) { dk[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 64u) { dk[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 64u) { dk[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 64u) { dk[o_row + c + 3u] = f16(x[3]); }
    }
  }
}
