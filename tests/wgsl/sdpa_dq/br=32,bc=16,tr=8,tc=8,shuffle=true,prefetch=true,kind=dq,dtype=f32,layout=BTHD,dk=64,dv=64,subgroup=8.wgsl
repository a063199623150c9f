


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
const TC = 8u;
const NT = 64u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return ((bh / u.heads) * len + t) * u.heads * d + (bh % u.heads) * d; }

var<workgroup> s_q: array<vec4f, 544>;  // [BR][K] own queries
var<workgroup> s_do: array<vec4f, 544>; // [BR][V] their output gradients
var<workgroup> s_k: array<vec4f, 272>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, 272>;  // [BC][V] values


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
    if (t0 + r < u.lq && c4 < 16u) {
      x = vec4f(q[row_off(bh, t0 + r, u.lq, 64u) / 4u + c4]);
    }
    s_q[r * 17u + c4] = x;
  }
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (t0 + r < u.lq && c4 < 16u) {
      x = vec4f(d_o[row_off(bh, t0 + r, u.lq, 64u) / 4u + c4]);
    }
    s_do[r * 17u + c4] = x;
  }
  var b_lse = array<f32, 4>();
  b_lse[0] = lse[bh * u.lq + min(t0 + tr + 0u * TR, u.lq - 1u)];
  b_lse[1] = lse[bh * u.lq + min(t0 + tr + 1u * TR, u.lq - 1u)];
  b_lse[2] = lse[bh * u.lq + min(t0 + tr + 2u * TR, u.lq - 1u)];
  b_lse[3] = lse[bh * u.lq + min(t0 + tr + 3u * TR, u.lq - 1u)];
  var b_delta = array<f32, 4>();
  b_delta[0] = delta[bh * u.lq + min(t0 + tr + 0u * TR, u.lq - 1u)];
  b_delta[1] = delta[bh * u.lq + min(t0 + tr + 1u * TR, u.lq - 1u)];
  b_delta[2] = delta[bh * u.lq + min(t0 + tr + 2u * TR, u.lq - 1u)];
  b_delta[3] = delta[bh * u.lq + min(t0 + tr + 3u * TR, u.lq - 1u)];
  var b_dq = array<array<vec4f, 2>, 4>(); // [own rows][key groups]
  var f_k = array<vec4<f32>, 4>();
  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[0] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_k[0] = k[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[1] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_k[1] = k[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[2] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_k[2] = k[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[3] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_k[3] = k[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
var f_v = array<vec4<f32>, 4>();
  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[0] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_v[0] = v[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[1] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_v[1] = v[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[2] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_v[2] = v[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[3] = vec4<f32>();
    if (e < 256u && 0u + r < u.lk && c4 < 16u) {
      f_v[3] = v[row_off(bh, 0u + r, u.lk, 64u) / 4u + c4];
    }
  }

  for (var k0 = 0u; k0 < u.lk; k0 += 16u) {
    workgroupBarrier();
      {
    let e = lid + 0u * NT;
    if (e < 256u) { s_k[(e / 16u) * 17u + e % 16u] = vec4f(f_k[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_k[(e / 16u) * 17u + e % 16u] = vec4f(f_k[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_k[(e / 16u) * 17u + e % 16u] = vec4f(f_k[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_k[(e / 16u) * 17u + e % 16u] = vec4f(f_k[3]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_v[(e / 16u) * 17u + e % 16u] = vec4f(f_v[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_v[(e / 16u) * 17u + e % 16u] = vec4f(f_v[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_v[(e / 16u) * 17u + e % 16u] = vec4f(f_v[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_v[(e / 16u) * 17u + e % 16u] = vec4f(f_v[3]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[0] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_k[0] = k[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[1] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_k[1] = k[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[2] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_k[2] = k[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_k[3] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_k[3] = k[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[0] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_v[0] = v[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[1] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_v[1] = v[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[2] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_v[2] = v[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 16u;
    let c4 = e % 16u;
    f_v[3] = vec4<f32>();
    if (e < 256u && k0 + 16u + r < u.lk && c4 < 16u) {
      f_v[3] = v[row_off(bh, k0 + 16u + r, u.lk, 64u) / 4u + c4];
    }
  }

    var b_s = array<array<f32, 2>, 4>();
    
  for (var d4 = 0u; d4 < 16u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 17u + d4];
    let a1 = s_q[(tr + 1u * TR) * 17u + d4];
    let a2 = s_q[(tr + 2u * TR) * 17u + d4];
    let a3 = s_q[(tr + 3u * TR) * 17u + d4];
    let b0 = s_k[(tc + 0u * TC) * 17u + d4];
    let b1 = s_k[(tc + 1u * TC) * 17u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
    b_s[2][0] = fma(a2.w, b0.w, fma(a2.z, b0.z, fma(a2.y, b0.y, fma(a2.x, b0.x, b_s[2][0]))));
    b_s[2][1] = fma(a2.w, b1.w, fma(a2.z, b1.z, fma(a2.y, b1.y, fma(a2.x, b1.x, b_s[2][1]))));
    b_s[3][0] = fma(a3.w, b0.w, fma(a3.z, b0.z, fma(a3.y, b0.y, fma(a3.x, b0.x, b_s[3][0]))));
    b_s[3][1] = fma(a3.w, b1.w, fma(a3.z, b1.z, fma(a3.y, b1.y, fma(a3.x, b1.x, b_s[3][1]))));
  }
    var b_dp = array<array<f32, 2>, 4>();
    
  for (var d4 = 0u; d4 < 16u; d4++) {
    let a0 = s_do[(tr + 0u * TR) * 17u + d4];
    let a1 = s_do[(tr + 1u * TR) * 17u + d4];
    let a2 = s_do[(tr + 2u * TR) * 17u + d4];
    let a3 = s_do[(tr + 3u * TR) * 17u + d4];
    let b0 = s_v[(tc + 0u * TC) * 17u + d4];
    let b1 = s_v[(tc + 1u * TC) * 17u + d4];
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
    {
      let p = select(0.0, exp2(b_s[2][0] * u.scale_log2 - b_lse[2]), k0 + tc + 0u * TC < u.lk);
      b_s[2][0] = p * (b_dp[2][0] - b_delta[2]); // dS
    }
    {
      let p = select(0.0, exp2(b_s[2][1] * u.scale_log2 - b_lse[2]), k0 + tc + 1u * TC < u.lk);
      b_s[2][1] = p * (b_dp[2][1] - b_delta[2]); // dS
    }
    {
      let p = select(0.0, exp2(b_s[3][0] * u.scale_log2 - b_lse[3]), k0 + tc + 0u * TC < u.lk);
      b_s[3][0] = p * (b_dp[3][0] - b_delta[3]); // dS
    }
    {
      let p = select(0.0, exp2(b_s[3][1] * u.scale_log2 - b_lse[3]), k0 + tc + 1u * TC < u.lk);
      b_s[3][1] = p * (b_dp[3][1] - b_delta[3]); // dS
    }

    
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let p2 = subgroupShuffle(b_s[2][0], lane);
      let p3 = subgroupShuffle(b_s[3][0], lane);
      let x0 = s_k[c * 17u + tc + 0u * TC];
      let x1 = s_k[c * 17u + tc + 1u * TC];
      b_dq[0][0] = fma(vec4f(p0), x0, b_dq[0][0]);
      b_dq[0][1] = fma(vec4f(p0), x1, b_dq[0][1]);
      b_dq[1][0] = fma(vec4f(p1), x0, b_dq[1][0]);
      b_dq[1][1] = fma(vec4f(p1), x1, b_dq[1][1]);
      b_dq[2][0] = fma(vec4f(p2), x0, b_dq[2][0]);
      b_dq[2][1] = fma(vec4f(p2), x1, b_dq[2][1]);
      b_dq[3][0] = fma(vec4f(p3), x0, b_dq[3][0]);
      b_dq[3][1] = fma(vec4f(p3), x1, b_dq[3][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let p2 = subgroupShuffle(b_s[2][1], lane);
      let p3 = subgroupShuffle(b_s[3][1], lane);
      let x0 = s_k[c * 17u + tc + 0u * TC];
      let x1 = s_k[c * 17u + tc + 1u * TC];
      b_dq[0][0] = fma(vec4f(p0), x0, b_dq[0][0]);
      b_dq[0][1] = fma(vec4f(p0), x1, b_dq[0][1]);
      b_dq[1][0] = fma(vec4f(p1), x0, b_dq[1][0]);
      b_dq[1][1] = fma(vec4f(p1), x1, b_dq[1][1]);
      b_dq[2][0] = fma(vec4f(p2), x0, b_dq[2][0]);
      b_dq[2][1] = fma(vec4f(p2), x1, b_dq[2][1]);
      b_dq[3][0] = fma(vec4f(p3), x0, b_dq[3][0]);
      b_dq[3][1] = fma(vec4f(p3), x1, b_dq[3][1]);
    }
  }
  }
  
  if (t0 + tr + 0u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lq, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dq[0][0] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dq[0][1] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lq, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dq[1][0] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dq[1][1] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 2u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 2u * TR, u.lq, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dq[2][0] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dq[2][1] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 3u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 3u * TR, u.lq, 64u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dq[3][0] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dq[3][1] * u.scale;
      if (c + 0u < 64u) { dq[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 64u) { dq[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 64u) { dq[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 64u) { dq[o_row + c + 3u] = f32(x[3]); }
    }
  }
}
