

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

var<workgroup> s_k: array<vec4f, 160>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 288>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, 288>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, 544>; // [BC][V] output gradients
var<workgroup> s_pt: array<vec4f, 288>;  // [BR keys][BC/4] Pᵀ
var<workgroup> s_dst: array<vec4f, 288>; // [BR keys][BC/4] dSᵀ
var<workgroup> s_lse: array<f32, 32>;
var<workgroup> s_delta: array<f32, 32>;

@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * 32u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  
  for (var e = lid; e < 160u; e += NT) {
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
  
  for (var e = lid; e < 288u; e += NT) {
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
  var b_dk = array<array<vec4f, 1>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 2>, 2>(); // [own keys][value groups]
  for (var q0 = 0u; q0 < u.lq; q0 += 32u) {
    workgroupBarrier();
    
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
    for (var e = lid; e < 32u; e += NT) {
      let row = bh * u.lq + min(q0 + e, u.lq - 1u);
      s_lse[e] = lse[row];
      s_delta[e] = delta[row];
    }
    workgroupBarrier();
    var b_s = array<array<f32, 4>, 2>(); // Sᵀ: [own keys][queries]
    
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 5u + d4];
    let a1 = s_k[(tr + 1u * TR) * 5u + d4];
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
  }
    var b_dp = array<array<f32, 4>, 2>(); // dPᵀ = V dOᵀ
    
  for (var d4 = 0u; d4 < 9u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 9u + d4];
    let a1 = s_v[(tr + 1u * TR) * 9u + d4];
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
  }
    {
      let col = tc + 0u * TC;
      let p = select(0.0, exp2(b_s[0][0] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 0u * TC; s_pt[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 0u * TC; s_dst[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[0][0] - s_delta[col]); }
    }
    {
      let col = tc + 1u * TC;
      let p = select(0.0, exp2(b_s[0][1] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 1u * TC; s_pt[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 1u * TC; s_dst[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[0][1] - s_delta[col]); }
    }
    {
      let col = tc + 2u * TC;
      let p = select(0.0, exp2(b_s[0][2] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 2u * TC; s_pt[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 2u * TC; s_dst[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[0][2] - s_delta[col]); }
    }
    {
      let col = tc + 3u * TC;
      let p = select(0.0, exp2(b_s[0][3] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 3u * TC; s_pt[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 3u * TC; s_dst[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[0][3] - s_delta[col]); }
    }
    {
      let col = tc + 0u * TC;
      let p = select(0.0, exp2(b_s[1][0] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 0u * TC; s_pt[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 0u * TC; s_dst[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[1][0] - s_delta[col]); }
    }
    {
      let col = tc + 1u * TC;
      let p = select(0.0, exp2(b_s[1][1] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 1u * TC; s_pt[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 1u * TC; s_dst[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[1][1] - s_delta[col]); }
    }
    {
      let col = tc + 2u * TC;
      let p = select(0.0, exp2(b_s[1][2] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 2u * TC; s_pt[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 2u * TC; s_dst[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[1][2] - s_delta[col]); }
    }
    {
      let col = tc + 3u * TC;
      let p = select(0.0, exp2(b_s[1][3] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      { let col = tc + 3u * TC; s_pt[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p; }
      { let col = tc + 3u * TC; s_dst[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = p * (b_dp[1][3] - s_delta[col]); }
    }
    workgroupBarrier();
    
  for (var c4 = 0u; c4 < 8u; c4++) {
    let p0 = s_pt[(tr + 0u * TR) * 9u + c4];
    let p1 = s_pt[(tr + 1u * TR) * 9u + c4];
    let x0_0 = s_do[(c4 * 4u + 0u) * 17u + tc + 0u * TC];
    let x0_1 = s_do[(c4 * 4u + 0u) * 17u + tc + 1u * TC];
    b_dv[0][0] = fma(vec4f(p0[0]), x0_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[0]), x0_1, b_dv[0][1]);
    b_dv[1][0] = fma(vec4f(p1[0]), x0_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[0]), x0_1, b_dv[1][1]);
    let x1_0 = s_do[(c4 * 4u + 1u) * 17u + tc + 0u * TC];
    let x1_1 = s_do[(c4 * 4u + 1u) * 17u + tc + 1u * TC];
    b_dv[0][0] = fma(vec4f(p0[1]), x1_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[1]), x1_1, b_dv[0][1]);
    b_dv[1][0] = fma(vec4f(p1[1]), x1_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[1]), x1_1, b_dv[1][1]);
    let x2_0 = s_do[(c4 * 4u + 2u) * 17u + tc + 0u * TC];
    let x2_1 = s_do[(c4 * 4u + 2u) * 17u + tc + 1u * TC];
    b_dv[0][0] = fma(vec4f(p0[2]), x2_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[2]), x2_1, b_dv[0][1]);
    b_dv[1][0] = fma(vec4f(p1[2]), x2_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[2]), x2_1, b_dv[1][1]);
    let x3_0 = s_do[(c4 * 4u + 3u) * 17u + tc + 0u * TC];
    let x3_1 = s_do[(c4 * 4u + 3u) * 17u + tc + 1u * TC];
    b_dv[0][0] = fma(vec4f(p0[3]), x3_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[3]), x3_1, b_dv[0][1]);
    b_dv[1][0] = fma(vec4f(p1[3]), x3_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[3]), x3_1, b_dv[1][1]);
  }
    
  for (var c4 = 0u; c4 < 8u; c4++) {
    let p0 = s_dst[(tr + 0u * TR) * 9u + c4];
    let p1 = s_dst[(tr + 1u * TR) * 9u + c4];
    let x0_0 = s_q[(c4 * 4u + 0u) * 9u + tc + 0u * TC];
    b_dk[0][0] = fma(vec4f(p0[0]), x0_0, b_dk[0][0]);
    b_dk[1][0] = fma(vec4f(p1[0]), x0_0, b_dk[1][0]);
    let x1_0 = s_q[(c4 * 4u + 1u) * 9u + tc + 0u * TC];
    b_dk[0][0] = fma(vec4f(p0[1]), x1_0, b_dk[0][0]);
    b_dk[1][0] = fma(vec4f(p1[1]), x1_0, b_dk[1][0]);
    let x2_0 = s_q[(c4 * 4u + 2u) * 9u + tc + 0u * TC];
    b_dk[0][0] = fma(vec4f(p0[2]), x2_0, b_dk[0][0]);
    b_dk[1][0] = fma(vec4f(p1[2]), x2_0, b_dk[1][0]);
    let x3_0 = s_q[(c4 * 4u + 3u) * 9u + tc + 0u * TC];
    b_dk[0][0] = fma(vec4f(p0[3]), x3_0, b_dk[0][0]);
    b_dk[1][0] = fma(vec4f(p1[3]), x3_0, b_dk[1][0]);
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
}
