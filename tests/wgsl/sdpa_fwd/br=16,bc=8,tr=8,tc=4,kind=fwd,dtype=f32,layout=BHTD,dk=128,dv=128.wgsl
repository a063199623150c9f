

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
struct Params {
  heads: u32,
  lq: u32,
  lk: u32,
  bh_count: u32,
  blocks: u32,
  scale_log2: f32,
  scale: f32,
}
@group(0) @binding(5) var<uniform> u: Params;


fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

const TR = 8u;
const TC = 4u;
const NT = 32u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return (bh * len + t) * d; }

var<workgroup> s_q: array<vec4f, 528>;                  // [BR][K] own queries
var<workgroup> s_kv: array<vec4f, 264>; // [BC][K] keys, then [BC][V] values
var<workgroup> s_p: array<vec4f, 48>;                   // [BR][BC/4] probabilities
var<workgroup> s_red: array<f32, 64>;                      // [BR][TC] row partials

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * 16u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c = (e % 32u) * 4u;
    var x = vec4f();
    if (t0 + r < u.lq && c < 128u) {
      let o_src = row_off(bh, t0 + r, u.lq, 128u) + c;
      { x[0] = f32(q[o_src + 0u]); }
      { x[1] = f32(q[o_src + 1u]); }
      { x[2] = f32(q[o_src + 2u]); }
      { x[3] = f32(q[o_src + 3u]); }
    }
    s_q[r * 33u + e % 32u] = x;
  }
  var b_m = array<f32, 2>(NEG, NEG); // running row max (log2)
  var b_l = array<f32, 2>(); // partial row sums over this thread's columns
  var b_o = array<array<vec4f, 8>, 2>(); // [own rows][value groups]
  for (var k0 = 0u; k0 < u.lk; k0 += 8u) {
    workgroupBarrier();
    
  for (var e = lid; e < 256u; e += NT) {
    let r = e / 32u;
    let c = (e % 32u) * 4u;
    var x = vec4f();
    if (k0 + r < u.lk && c < 128u) {
      let o_src = row_off(bh, k0 + r, u.lk, 128u) + c;
      { x[0] = f32(k[o_src + 0u]); }
      { x[1] = f32(k[o_src + 1u]); }
      { x[2] = f32(k[o_src + 2u]); }
      { x[3] = f32(k[o_src + 3u]); }
    }
    s_kv[r * 33u + e % 32u] = x;
  }
    workgroupBarrier();
    var b_s = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 33u + d4];
    let a1 = s_q[(tr + 1u * TR) * 33u + d4];
    let b0 = s_kv[(tc + 0u * TC) * 33u + d4];
    let b1 = s_kv[(tc + 1u * TC) * 33u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    b_s[0][0] = select(NEG, b_s[0][0] * u.scale_log2, k0 + tc + 0u * TC < u.lk);
    b_s[0][1] = select(NEG, b_s[0][1] * u.scale_log2, k0 + tc + 1u * TC < u.lk);
    b_s[1][0] = select(NEG, b_s[1][0] * u.scale_log2, k0 + tc + 0u * TC < u.lk);
    b_s[1][1] = select(NEG, b_s[1][1] * u.scale_log2, k0 + tc + 1u * TC < u.lk);
    s_red[(tr + 0u * TR) * TC + tc] = max(b_s[0][0], b_s[0][1]);
    s_red[(tr + 1u * TR) * TC + tc] = max(b_s[1][0], b_s[1][1]);
    workgroupBarrier();
    {
      var mx = b_m[0];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + 0u * TR) * TC + c]); }
      let alpha = exp2(b_m[0] - mx);
      b_m[0] = mx;
      b_l[0] *= alpha;
      b_o[0][0] *= alpha;
      b_o[0][1] *= alpha;
      b_o[0][2] *= alpha;
      b_o[0][3] *= alpha;
      b_o[0][4] *= alpha;
      b_o[0][5] *= alpha;
      b_o[0][6] *= alpha;
      b_o[0][7] *= alpha;
    }
    {
      var mx = b_m[1];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + 1u * TR) * TC + c]); }
      let alpha = exp2(b_m[1] - mx);
      b_m[1] = mx;
      b_l[1] *= alpha;
      b_o[1][0] *= alpha;
      b_o[1][1] *= alpha;
      b_o[1][2] *= alpha;
      b_o[1][3] *= alpha;
      b_o[1][4] *= alpha;
      b_o[1][5] *= alpha;
      b_o[1][6] *= alpha;
      b_o[1][7] *= alpha;
    }
    b_s[0][0] = exp2(b_s[0][0] - b_m[0]);
    b_l[0] += b_s[0][0];
    { let col = tc + 0u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][0]; }
    b_s[0][1] = exp2(b_s[0][1] - b_m[0]);
    b_l[0] += b_s[0][1];
    { let col = tc + 1u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][1]; }
    b_s[1][0] = exp2(b_s[1][0] - b_m[1]);
    b_l[1] += b_s[1][0];
    { let col = tc + 0u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][0]; }
    b_s[1][1] = exp2(b_s[1][1] - b_m[1]);
    b_l[1] += b_s[1][1];
    { let col = tc + 1u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][1]; }
    
  for (var e = lid; e < 256u; e += NT) {
    let r = e / 32u;
    let c = (e % 32u) * 4u;
    var x = vec4f();
    if (k0 + r < u.lk && c < 128u) {
      let o_src = row_off(bh, k0 + r, u.lk, 128u) + c;
      { x[0] = f32(v[o_src + 0u]); }
      { x[1] = f32(v[o_src + 1u]); }
      { x[2] = f32(v[o_src + 2u]); }
      { x[3] = f32(v[o_src + 3u]); }
    }
    s_kv[r * 33u + e % 32u] = x;
  }
    workgroupBarrier();
    
  for (var c4 = 0u; c4 < 2u; c4++) {
    let p0 = s_p[(tr + 0u * TR) * 3u + c4];
    let p1 = s_p[(tr + 1u * TR) * 3u + c4];
    let x0_0 = s_kv[(c4 * 4u + 0u) * 33u + tc + 0u * TC];
    let x0_1 = s_kv[(c4 * 4u + 0u) * 33u + tc + 1u * TC];
    let x0_2 = s_kv[(c4 * 4u + 0u) * 33u + tc + 2u * TC];
    let x0_3 = s_kv[(c4 * 4u + 0u) * 33u + tc + 3u * TC];
    let x0_4 = s_kv[(c4 * 4u + 0u) * 33u + tc + 4u * TC];
    let x0_5 = s_kv[(c4 * 4u + 0u) * 33u + tc + 5u * TC];
    let x0_6 = s_kv[(c4 * 4u + 0u) * 33u + tc + 6u * TC];
    let x0_7 = s_kv[(c4 * 4u + 0u) * 33u + tc + 7u * TC];
    b_o[0][0] = fma(vec4f(p0[0]), x0_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[0]), x0_1, b_o[0][1]);
    b_o[0][2] = fma(vec4f(p0[0]), x0_2, b_o[0][2]);
    b_o[0][3] = fma(vec4f(p0[0]), x0_3, b_o[0][3]);
    b_o[0][4] = fma(vec4f(p0[0]), x0_4, b_o[0][4]);
    b_o[0][5] = fma(vec4f(p0[0]), x0_5, b_o[0][5]);
    b_o[0][6] = fma(vec4f(p0[0]), x0_6, b_o[0][6]);
    b_o[0][7] = fma(vec4f(p0[0]), x0_7, b_o[0][7]);
    b_o[1][0] = fma(vec4f(p1[0]), x0_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[0]), x0_1, b_o[1][1]);
    b_o[1][2] = fma(vec4f(p1[0]), x0_2, b_o[1][2]);
    b_o[1][3] = fma(vec4f(p1[0]), x0_3, b_o[1][3]);
    b_o[1][4] = fma(vec4f(p1[0]), x0_4, b_o[1][4]);
    b_o[1][5] = fma(vec4f(p1[0]), x0_5, b_o[1][5]);
    b_o[1][6] = fma(vec4f(p1[0]), x0_6, b_o[1][6]);
    b_o[1][7] = fma(vec4f(p1[0]), x0_7, b_o[1][7]);
    let x1_0 = s_kv[(c4 * 4u + 1u) * 33u + tc + 0u * TC];
    let x1_1 = s_kv[(c4 * 4u + 1u) * 33u + tc + 1u * TC];
    let x1_2 = s_kv[(c4 * 4u + 1u) * 33u + tc + 2u * TC];
    let x1_3 = s_kv[(c4 * 4u + 1u) * 33u + tc + 3u * TC];
    let x1_4 = s_kv[(c4 * 4u + 1u) * 33u + tc + 4u * TC];
    let x1_5 = s_kv[(c4 * 4u + 1u) * 33u + tc + 5u * TC];
    let x1_6 = s_kv[(c4 * 4u + 1u) * 33u + tc + 6u * TC];
    let x1_7 = s_kv[(c4 * 4u + 1u) * 33u + tc + 7u * TC];
    b_o[0][0] = fma(vec4f(p0[1]), x1_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[1]), x1_1, b_o[0][1]);
    b_o[0][2] = fma(vec4f(p0[1]), x1_2, b_o[0][2]);
    b_o[0][3] = fma(vec4f(p0[1]), x1_3, b_o[0][3]);
    b_o[0][4] = fma(vec4f(p0[1]), x1_4, b_o[0][4]);
    b_o[0][5] = fma(vec4f(p0[1]), x1_5, b_o[0][5]);
    b_o[0][6] = fma(vec4f(p0[1]), x1_6, b_o[0][6]);
    b_o[0][7] = fma(vec4f(p0[1]), x1_7, b_o[0][7]);
    b_o[1][0] = fma(vec4f(p1[1]), x1_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[1]), x1_1, b_o[1][1]);
    b_o[1][2] = fma(vec4f(p1[1]), x1_2, b_o[1][2]);
    b_o[1][3] = fma(vec4f(p1[1]), x1_3, b_o[1][3]);
    b_o[1][4] = fma(vec4f(p1[1]), x1_4, b_o[1][4]);
    b_o[1][5] = fma(vec4f(p1[1]), x1_5, b_o[1][5]);
    b_o[1][6] = fma(vec4f(p1[1]), x1_6, b_o[1][6]);
    b_o[1][7] = fma(vec4f(p1[1]), x1_7, b_o[1][7]);
    let x2_0 = s_kv[(c4 * 4u + 2u) * 33u + tc + 0u * TC];
    let x2_1 = s_kv[(c4 * 4u + 2u) * 33u + tc + 1u * TC];
    let x2_2 = s_kv[(c4 * 4u + 2u) * 33u + tc + 2u * TC];
    let x2_3 = s_kv[(c4 * 4u + 2u) * 33u + tc + 3u * TC];
    let x2_4 = s_kv[(c4 * 4u + 2u) * 33u + tc + 4u * TC];
    let x2_5 = s_kv[(c4 * 4u + 2u) * 33u + tc + 5u * TC];
    let x2_6 = s_kv[(c4 * 4u + 2u) * 33u + tc + 6u * TC];
    let x2_7 = s_kv[(c4 * 4u + 2u) * 33u + tc + 7u * TC];
    b_o[0][0] = fma(vec4f(p0[2]), x2_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[2]), x2_1, b_o[0][1]);
    b_o[0][2] = fma(vec4f(p0[2]), x2_2, b_o[0][2]);
    b_o[0][3] = fma(vec4f(p0[2]), x2_3, b_o[0][3]);
    b_o[0][4] = fma(vec4f(p0[2]), x2_4, b_o[0][4]);
    b_o[0][5] = fma(vec4f(p0[2]), x2_5, b_o[0][5]);
    b_o[0][6] = fma(vec4f(p0[2]), x2_6, b_o[0][6]);
    b_o[0][7] = fma(vec4f(p0[2]), x2_7, b_o[0][7]);
    b_o[1][0] = fma(vec4f(p1[2]), x2_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[2]), x2_1, b_o[1][1]);
    b_o[1][2] = fma(vec4f(p1[2]), x2_2, b_o[1][2]);
    b_o[1][3] = fma(vec4f(p1[2]), x2_3, b_o[1][3]);
    b_o[1][4] = fma(vec4f(p1[2]), x2_4, b_o[1][4]);
    b_o[1][5] = fma(vec4f(p1[2]), x2_5, b_o[1][5]);
    b_o[1][6] = fma(vec4f(p1[2]), x2_6, b_o[1][6]);
    b_o[1][7] = fma(vec4f(p1[2]), x2_7, b_o[1][7]);
    let x3_0 = s_kv[(c4 * 4u + 3u) * 33u + tc + 0u * TC];
    let x3_1 = s_kv[(c4 * 4u + 3u) * 33u + tc + 1u * TC];
    let x3_2 = s_kv[(c4 * 4u + 3u) * 33u + tc + 2u * TC];
    let x3_3 = s_kv[(c4 * 4u + 3u) * 33u + tc + 3u * TC];
    let x3_4 = s_kv[(c4 * 4u + 3u) * 33u + tc + 4u * TC];
    let x3_5 = s_kv[(c4 * 4u + 3u) * 33u + tc + 5u * TC];
    let x3_6 = s_kv[(c4 * 4u + 3u) * 33u + tc + 6u * TC];
    let x3_7 = s_kv[(c4 * 4u + 3u) * 33u + tc + 7u * TC];
    b_o[0][0] = fma(vec4f(p0[3]), x3_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[3]), x3_1, b_o[0][1]);
    b_o[0][2] = fma(vec4f(p0[3]), x3_2, b_o[0][2]);
    b_o[0][3] = fma(vec4f(p0[3]), x3_3, b_o[0][3]);
    b_o[0][4] = fma(vec4f(p0[3]), x3_4, b_o[0][4]);
    b_o[0][5] = fma(vec4f(p0[3]), x3_5, b_o[0][5]);
    b_o[0][6] = fma(vec4f(p0[3]), x3_6, b_o[0][6]);
    b_o[0][7] = fma(vec4f(p0[3]), x3_7, b_o[0][7]);
    b_o[1][0] = fma(vec4f(p1[3]), x3_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[3]), x3_1, b_o[1][1]);
    b_o[1][2] = fma(vec4f(p1[3]), x3_2, b_o[1][2]);
    b_o[1][3] = fma(vec4f(p1[3]), x3_3, b_o[1][3]);
    b_o[1][4] = fma(vec4f(p1[3]), x3_4, b_o[1][4]);
    b_o[1][5] = fma(vec4f(p1[3]), x3_5, b_o[1][5]);
    b_o[1][6] = fma(vec4f(p1[3]), x3_6, b_o[1][6]);
    b_o[1][7] = fma(vec4f(p1[3]), x3_7, b_o[1][7]);
  }
  }
  workgroupBarrier();
  s_red[(tr + 0u * TR) * TC + tc] = b_l[0];
  s_red[(tr + 1u * TR) * TC + tc] = b_l[1];
  workgroupBarrier();
  var inv_l = array<f32, 2>();
  {
    var l = 0.0;
    for (var c = 0u; c < TC; c++) { l += s_red[(tr + 0u * TR) * TC + c]; }
    inv_l[0] = 1.0 / l;
    let t = t0 + tr + 0u * TR;
    if (tc == 0u && t < u.lq) { lse[bh * u.lq + t] = b_m[0] + log2(l); }
  }
  {
    var l = 0.0;
    for (var c = 0u; c < TC; c++) { l += s_red[(tr + 1u * TR) * TC + c]; }
    inv_l[1] = 1.0 / l;
    let t = t0 + tr + 1u * TR;
    if (tc == 0u && t < u.lq) { lse[bh * u.lq + t] = b_m[1] + log2(l); }
  }
  
  if (t0 + tr + 0u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lq, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[0][0] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[0][1] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_o[0][2] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_o[0][3] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_o[0][4] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_o[0][5] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_o[0][6] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_o[0][7] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lq, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[1][0] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[1][1] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_o[1][2] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_o[1][3] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_o[1][4] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_o[1][5] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_o[1][6] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_o[1][7] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f32(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f32(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f32(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f32(x[3]); }
    }
  }
}
