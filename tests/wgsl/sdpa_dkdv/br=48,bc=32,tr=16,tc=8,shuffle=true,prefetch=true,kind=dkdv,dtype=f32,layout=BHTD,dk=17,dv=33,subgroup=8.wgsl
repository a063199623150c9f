


@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> d_o: array<f32>;
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

const TR = 16u;
const TC = 8u;
const NT = 128u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return (bh * len + t) * d; }

var<workgroup> s_k: array<vec4f, 240>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 432>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, 288>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, 544>; // [BC][V] output gradients


var<workgroup> s_lse: array<f32, 32>;
var<workgroup> s_delta: array<f32, 32>;

@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * 48u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  let row_lane = sid - tc; // lanes row_lane .. row_lane + TC − 1
  
  for (var e = lid; e < 240u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.lk && c < 17u) {
      let o_src = row_off(bh, t0 + r, u.lk, 17u) + c;
      { x[0] = f32(k[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(k[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(k[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(k[o_src + 3u]); }
    }
    s_k[r * 5u + e % 5u] = x;
  }
  
  for (var e = lid; e < 432u; e += NT) {
    let r = e / 9u;
    let c = (e % 9u) * 4u;
    var x = vec4f();
    if (t0 + r < u.lk && c < 33u) {
      let o_src = row_off(bh, t0 + r, u.lk, 33u) + c;
      { x[0] = f32(v[o_src + 0u]); }
      if (c + 1u < 33u) { x[1] = f32(v[o_src + 1u]); }
      if (c + 2u < 33u) { x[2] = f32(v[o_src + 2u]); }
      if (c + 3u < 33u) { x[3] = f32(v[o_src + 3u]); }
    }
    s_v[r * 9u + e % 9u] = x;
  }
  var b_dk = array<array<vec4f, 1>, 3>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 2>, 3>(); // [own keys][value groups]
  
  for (var q0 = 0u; q0 < u.lq; q0 += 32u) {
    workgroupBarrier();
    for (var e = lid; e < 32u; e += NT) {
      s_lse[e] = lse[bh * u.lq + min(q0 + e, u.lq - 1u)];
      s_delta[e] = delta[bh * u.lq + min(q0 + e, u.lq - 1u)];
    }

  for (var e = lid; e < 256u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (q0 + r < u.lq && c < 17u) {
      let o_src = row_off(bh, q0 + r, u.lq, 17u) + c;
      { x[0] = f32(q[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(q[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(q[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(q[o_src + 3u]); }
    }
    s_q[r * 9u + e % 8u] = x;
  }

  for (var e = lid; e < 512u; e += NT) {
    let r = e / 16u;
    let c = (e % 16u) * 4u;
    var x = vec4f();
    if (q0 + r < u.lq && c < 33u) {
      let o_src = row_off(bh, q0 + r, u.lq, 33u) + c;
      { x[0] = f32(d_o[o_src + 0u]); }
      if (c + 1u < 33u) { x[1] = f32(d_o[o_src + 1u]); }
      if (c + 2u < 33u) { x[2] = f32(d_o[o_src + 2u]); }
      if (c + 3u < 33u) { x[3] = f32(d_o[o_src + 3u]); }
    }
    s_do[r * 17u + e % 16u] = x;
  }
    workgroupBarrier();
    var b_s = array<array<f32, 4>, 3>(); // Sᵀ: [own keys][queries], then Pᵀ
    
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 5u + d4];
    let a1 = s_k[(tr + 1u * TR) * 5u + d4];
    let a2 = s_k[(tr + 2u * TR) * 5u + d4];
    let b0 = s_q[(tc + 0u * TC) * 9u + d4];
    let b1 = s_q[(tc + 1u * TC) * 9u + d4];
    let b2 = s_q[(tc + 2u * TC) * 9u + d4];
    let b3 = s_q[(tc + 3u * TC) * 9u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[0][2] = fma(a0.w, b2.w, fma(a0.z, b2.z, fma(a0.y, b2.y, fma(a0.x, b2.x, b_s[0][2]))));
    b_s[0][3] = fma(a0.w, b3.w, fma(a0.z, b3.z, fma(a0.y, b3.y, fma(a0.x, b3.x, b_s[0][3]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
    b_s[1][2] = fma(a1.w, b2.w, fma(a1.z, b2.z, fma(a1.y, b2.y, fma(a1.x, b2.x, b_s[1][2]))));
    b_s[1][3] = fma(a1.w, b3.w, fma(a1.z, b3.z, fma(a1.y, b3.y, fma(a1.x, b3.x, b_s[1][3]))));
    b_s[2][0] = fma(a2.w, b0.w, fma(a2.z, b0.z, fma(a2.y, b0.y, fma(a2.x, b0.x, b_s[2][0]))));
    b_s[2][1] = fma(a2.w, b1.w, fma(a2.z, b1.z, fma(a2.y, b1.y, fma(a2.x, b1.x, b_s[2][1]))));
    b_s[2][2] = fma(a2.w, b2.w, fma(a2.z, b2.z, fma(a2.y, b2.y, fma(a2.x, b2.x, b_s[2][2]))));
    b_s[2][3] = fma(a2.w, b3.w, fma(a2.z, b3.z, fma(a2.y, b3.y, fma(a2.x, b3.x, b_s[2][3]))));
  }
    var b_dp = array<array<f32, 4>, 3>(); // dPᵀ = V dOᵀ, then dSᵀ
    
  for (var d4 = 0u; d4 < 9u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 9u + d4];
    let a1 = s_v[(tr + 1u * TR) * 9u + d4];
    let a2 = s_v[(tr + 2u * TR) * 9u + d4];
    let b0 = s_do[(tc + 0u * TC) * 17u + d4];
    let b1 = s_do[(tc + 1u * TC) * 17u + d4];
    let b2 = s_do[(tc + 2u * TC) * 17u + d4];
    let b3 = s_do[(tc + 3u * TC) * 17u + d4];
    b_dp[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_dp[0][0]))));
    b_dp[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_dp[0][1]))));
    b_dp[0][2] = fma(a0.w, b2.w, fma(a0.z, b2.z, fma(a0.y, b2.y, fma(a0.x, b2.x, b_dp[0][2]))));
    b_dp[0][3] = fma(a0.w, b3.w, fma(a0.z, b3.z, fma(a0.y, b3.y, fma(a0.x, b3.x, b_dp[0][3]))));
    b_dp[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_dp[1][0]))));
    b_dp[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_dp[1][1]))));
    b_dp[1][2] = fma(a1.w, b2.w, fma(a1.z, b2.z, fma(a1.y, b2.y, fma(a1.x, b2.x, b_dp[1][2]))));
    b_dp[1][3] = fma(a1.w, b3.w, fma(a1.z, b3.z, fma(a1.y, b3.y, fma(a1.x, b3.x, b_dp[1][3]))));
    b_dp[2][0] = fma(a2.w, b0.w, fma(a2.z, b0.z, fma(a2.y, b0.y, fma(a2.x, b0.x, b_dp[2][0]))));
    b_dp[2][1] = fma(a2.w, b1.w, fma(a2.z, b1.z, fma(a2.y, b1.y, fma(a2.x, b1.x, b_dp[2][1]))));
    b_dp[2][2] = fma(a2.w, b2.w, fma(a2.z, b2.z, fma(a2.y, b2.y, fma(a2.x, b2.x, b_dp[2][2]))));
    b_dp[2][3] = fma(a2.w, b3.w, fma(a2.z, b3.z, fma(a2.y, b3.y, fma(a2.x, b3.x, b_dp[2][3]))));
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
      let col = tc + 2u * TC;
      let p = select(0.0, exp2(b_s[0][2] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[0][2] = p;
      b_dp[0][2] = p * (b_dp[0][2] - s_delta[col]);
    }
    {
      let col = tc + 3u * TC;
      let p = select(0.0, exp2(b_s[0][3] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[0][3] = p;
      b_dp[0][3] = p * (b_dp[0][3] - s_delta[col]);
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
      let col = tc + 2u * TC;
      let p = select(0.0, exp2(b_s[1][2] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[1][2] = p;
      b_dp[1][2] = p * (b_dp[1][2] - s_delta[col]);
    }
    {
      let col = tc + 3u * TC;
      let p = select(0.0, exp2(b_s[1][3] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[1][3] = p;
      b_dp[1][3] = p * (b_dp[1][3] - s_delta[col]);
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
      let col = tc + 2u * TC;
      let p = select(0.0, exp2(b_s[2][2] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[2][2] = p;
      b_dp[2][2] = p * (b_dp[2][2] - s_delta[col]);
    }
    {
      let col = tc + 3u * TC;
      let p = select(0.0, exp2(b_s[2][3] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[2][3] = p;
      b_dp[2][3] = p * (b_dp[2][3] - s_delta[col]);
    }

    
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let p2 = subgroupShuffle(b_s[2][0], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[2][0] = fma(vec4f(p2), x0, b_dv[2][0]);
      b_dv[2][1] = fma(vec4f(p2), x1, b_dv[2][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let p2 = subgroupShuffle(b_s[2][1], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[2][0] = fma(vec4f(p2), x0, b_dv[2][0]);
      b_dv[2][1] = fma(vec4f(p2), x1, b_dv[2][1]);
    }
    {
      let c = src + 2u * TC;
      let p0 = subgroupShuffle(b_s[0][2], lane);
      let p1 = subgroupShuffle(b_s[1][2], lane);
      let p2 = subgroupShuffle(b_s[2][2], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[2][0] = fma(vec4f(p2), x0, b_dv[2][0]);
      b_dv[2][1] = fma(vec4f(p2), x1, b_dv[2][1]);
    }
    {
      let c = src + 3u * TC;
      let p0 = subgroupShuffle(b_s[0][3], lane);
      let p1 = subgroupShuffle(b_s[1][3], lane);
      let p2 = subgroupShuffle(b_s[2][3], lane);
      let x0 = s_do[c * 17u + tc + 0u * TC];
      let x1 = s_do[c * 17u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[2][0] = fma(vec4f(p2), x0, b_dv[2][0]);
      b_dv[2][1] = fma(vec4f(p2), x1, b_dv[2][1]);
    }
  }
    
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let p2 = subgroupShuffle(b_dp[2][0], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[2][0] = fma(vec4f(p2), x0, b_dk[2][0]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let p2 = subgroupShuffle(b_dp[2][1], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[2][0] = fma(vec4f(p2), x0, b_dk[2][0]);
    }
    {
      let c = src + 2u * TC;
      let p0 = subgroupShuffle(b_dp[0][2], lane);
      let p1 = subgroupShuffle(b_dp[1][2], lane);
      let p2 = subgroupShuffle(b_dp[2][2], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[2][0] = fma(vec4f(p2), x0, b_dk[2][0]);
    }
    {
      let c = src + 3u * TC;
      let p0 = subgroupShuffle(b_dp[0][3], lane);
      let p1 = subgroupShuffle(b_dp[1][3], lane);
      let p2 = subgroupShuffle(b_dp[2][3], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[2][0] = fma(vec4f(p2), x0, b_dk[2][0]);
    }
  }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[0][0] * 1.0;
      if (c + 0u < 33u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 33u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 33u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 33u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[0][1] * 1.0;
      if (c + 0u < 33u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 33u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 33u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 33u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[1][0] * 1.0;
      if (c + 0u < 33u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 33u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 33u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 33u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[1][1] * 1.0;
      if (c + 0u < 33u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 33u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 33u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 33u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 2u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 2u * TR, u.lk, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dv[2][0] * 1.0;
      if (c + 0u < 33u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 33u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 33u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 33u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_dv[2][1] * 1.0;
      if (c + 0u < 33u) { dv[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 33u) { dv[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 33u) { dv[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 33u) { dv[o_row + c + 3u] = f32(x[3]); }
    }
  }
  
  if (t0 + tr + 0u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lk, 17u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[0][0] * u.scale;
      if (c + 0u < 17u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 17u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 17u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 17u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lk, 17u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[1][0] * u.scale;
      if (c + 0u < 17u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 17u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 17u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 17u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 2u * TR < u.lk) {
    let o_row = row_off(bh, t0 + tr + 2u * TR, u.lk, 17u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_dk[2][0] * u.scale;
      if (c + 0u < 17u) { dk[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 17u) { dk[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 17u) { dk[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 17u) { dk[o_row + c + 3u] = f32(x[3]); }
    }
  }
}
