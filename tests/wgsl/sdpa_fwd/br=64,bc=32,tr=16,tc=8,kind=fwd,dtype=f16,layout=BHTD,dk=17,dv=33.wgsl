
enable f16;
@group(0) @binding(0) var<storage, read> q: array<f16>;
@group(0) @binding(1) var<storage, read> k: array<f16>;
@group(0) @binding(2) var<storage, read> v: array<f16>;
@group(0) @binding(3) var<storage, read_write> o: array<f16>;
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

const TR = 16u;
const TC = 8u;
const NT = 128u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { return (bh * len + t) * d; }

var<workgroup> s_q: array<vec4f, 320>;                  // [BR][K] own queries
var<workgroup> s_kv: array<vec4f, 544>; // [BC][K] keys, then [BC][V] values
var<workgroup> s_p: array<vec4f, 576>;                   // [BR][BC/4] probabilities
var<workgroup> s_red: array<f32, 512>;                      // [BR][TC] row partials

@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * 64u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  
  for (var e = lid; e < 320u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.lq && c < 17u) {
      let o_src = row_off(bh, t0 + r, u.lq, 17u) + c;
      { x[0] = f32(q[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(q[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(q[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(q[o_src + 3u]); }
    }
    s_q[r * 5u + e % 5u] = x;
  }
  var b_m = array<f32, 4>(NEG, NEG, NEG, NEG); // running row max (log2)
  var b_l = array<f32, 4>(); // partial row sums over this thread's columns
  var b_o = array<array<vec4f, 2>, 4>(); // [own rows][value groups]
  for (var k0 = 0u; k0 < u.lk; k0 += 32u) {
    workgroupBarrier();
    
  for (var e = lid; e < 160u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (k0 + r < u.lk && c < 17u) {
      let o_src = row_off(bh, k0 + r, u.lk, 17u) + c;
      { x[0] = f32(k[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(k[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(k[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(k[o_src + 3u]); }
    }
    s_kv[r * 5u + e % 5u] = x;
  }
    workgroupBarrier();
    var b_s = array<array<f32, 4>, 4>();
    
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 5u + d4];
    let a1 = s_q[(tr + 1u * TR) * 5u + d4];
    let a2 = s_q[(tr + 2u * TR) * 5u + d4];
    let a3 = s_q[(tr + 3u * TR) * 5u + d4];
    let b0 = s_kv[(tc + 0u * TC) * 5u + d4];
    let b1 = s_kv[(tc + 1u * TC) * 5u + d4];
    let b2 = s_kv[(tc + 2u * TC) * 5u + d4];
    let b3 = s_kv[(tc + 3u * TC) * 5u + d4];
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
    b_s[3][0] = fma(a3.w, b0.w, fma(a3.z, b0.z, fma(a3.y, b0.y, fma(a3.x, b0.x, b_s[3][0]))));
    b_s[3][1] = fma(a3.w, b1.w, fma(a3.z, b1.z, fma(a3.y, b1.y, fma(a3.x, b1.x, b_s[3][1]))));
    b_s[3][2] = fma(a3.w, b2.w, fma(a3.z, b2.z, fma(a3.y, b2.y, fma(a3.x, b2.x, b_s[3][2]))));
    b_s[3][3] = fma(a3.w, b3.w, fma(a3.z, b3.z, fma(a3.y, b3.y, fma(a3.x, b3.x, b_s[3][3]))));
  }
    b_s[0][0] = select(NEG, b_s[0][0] * u.scale_log2, k0 + tc + 0u * TC < u.lk);
    b_s[0][1] = select(NEG, b_s[0][1] * u.scale_log2, k0 + tc + 1u * TC < u.lk);
    b_s[0][2] = select(NEG, b_s[0][2] * u.scale_log2, k0 + tc + 2u * TC < u.lk);
    b_s[0][3] = select(NEG, b_s[0][3] * u.scale_log2, k0 + tc + 3u * TC < u.lk);
    b_s[1][0] = select(NEG, b_s[1][0] * u.scale_log2, k0 + tc + 0u * TC < u.lk);
    b_s[1][1] = select(NEG, b_s[1][1] * u.scale_log2, k0 + tc + 1u * TC < u.lk);
    b_s[1][2] = select(NEG, b_s[1][2] * u.scale_log2, k0 + tc + 2u * TC < u.lk);
    b_s[1][3] = select(NEG, b_s[1][3] * u.scale_log2, k0 + tc + 3u * TC < u.lk);
    b_s[2][0] = select(NEG, b_s[2][0] * u.scale_log2, k0 + tc + 0u * TC < u.lk);
    b_s[2][1] = select(NEG, b_s[2][1] * u.scale_log2, k0 + tc + 1u * TC < u.lk);
    b_s[2][2] = select(NEG, b_s[2][2] * u.scale_log2, k0 + tc + 2u * TC < u.lk);
    b_s[2][3] = select(NEG, b_s[2][3] * u.scale_log2, k0 + tc + 3u * TC < u.lk);
    b_s[3][0] = select(NEG, b_s[3][0] * u.scale_log2, k0 + tc + 0u * TC < u.lk);
    b_s[3][1] = select(NEG, b_s[3][1] * u.scale_log2, k0 + tc + 1u * TC < u.lk);
    b_s[3][2] = select(NEG, b_s[3][2] * u.scale_log2, k0 + tc + 2u * TC < u.lk);
    b_s[3][3] = select(NEG, b_s[3][3] * u.scale_log2, k0 + tc + 3u * TC < u.lk);
    s_red[(tr + 0u * TR) * TC + tc] = max(max(max(b_s[0][0], b_s[0][1]), b_s[0][2]), b_s[0][3]);
    s_red[(tr + 1u * TR) * TC + tc] = max(max(max(b_s[1][0], b_s[1][1]), b_s[1][2]), b_s[1][3]);
    s_red[(tr + 2u * TR) * TC + tc] = max(max(max(b_s[2][0], b_s[2][1]), b_s[2][2]), b_s[2][3]);
    s_red[(tr + 3u * TR) * TC + tc] = max(max(max(b_s[3][0], b_s[3][1]), b_s[3][2]), b_s[3][3]);
    workgroupBarrier();
    {
      var mx = b_m[0];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + 0u * TR) * TC + c]); }
      let alpha = exp2(b_m[0] - mx);
      b_m[0] = mx;
      b_l[0] *= alpha;
      b_o[0][0] *= alpha;
      b_o[0][1] *= alpha;
    }
    {
      var mx = b_m[1];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + 1u * TR) * TC + c]); }
      let alpha = exp2(b_m[1] - mx);
      b_m[1] = mx;
      b_l[1] *= alpha;
      b_o[1][0] *= alpha;
      b_o[1][1] *= alpha;
    }
    {
      var mx = b_m[2];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + 2u * TR) * TC + c]); }
      let alpha = exp2(b_m[2] - mx);
      b_m[2] = mx;
      b_l[2] *= alpha;
      b_o[2][0] *= alpha;
      b_o[2][1] *= alpha;
    }
    {
      var mx = b_m[3];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + 3u * TR) * TC + c]); }
      let alpha = exp2(b_m[3] - mx);
      b_m[3] = mx;
      b_l[3] *= alpha;
      b_o[3][0] *= alpha;
      b_o[3][1] *= alpha;
    }
    b_s[0][0] = exp2(b_s[0][0] - b_m[0]);
    b_l[0] += b_s[0][0];
    { let col = tc + 0u * TC; s_p[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = b_s[0][0]; }
    b_s[0][1] = exp2(b_s[0][1] - b_m[0]);
    b_l[0] += b_s[0][1];
    { let col = tc + 1u * TC; s_p[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = b_s[0][1]; }
    b_s[0][2] = exp2(b_s[0][2] - b_m[0]);
    b_l[0] += b_s[0][2];
    { let col = tc + 2u * TC; s_p[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = b_s[0][2]; }
    b_s[0][3] = exp2(b_s[0][3] - b_m[0]);
    b_l[0] += b_s[0][3];
    { let col = tc + 3u * TC; s_p[(tr + 0u * TR) * 9u + col / 4u][col % 4u] = b_s[0][3]; }
    b_s[1][0] = exp2(b_s[1][0] - b_m[1]);
    b_l[1] += b_s[1][0];
    { let col = tc + 0u * TC; s_p[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = b_s[1][0]; }
    b_s[1][1] = exp2(b_s[1][1] - b_m[1]);
    b_l[1] += b_s[1][1];
    { let col = tc + 1u * TC; s_p[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = b_s[1][1]; }
    b_s[1][2] = exp2(b_s[1][2] - b_m[1]);
    b_l[1] += b_s[1][2];
    { let col = tc + 2u * TC; s_p[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = b_s[1][2]; }
    b_s[1][3] = exp2(b_s[1][3] - b_m[1]);
    b_l[1] += b_s[1][3];
    { let col = tc + 3u * TC; s_p[(tr + 1u * TR) * 9u + col / 4u][col % 4u] = b_s[1][3]; }
    b_s[2][0] = exp2(b_s[2][0] - b_m[2]);
    b_l[2] += b_s[2][0];
    { let col = tc + 0u * TC; s_p[(tr + 2u * TR) * 9u + col / 4u][col % 4u] = b_s[2][0]; }
    b_s[2][1] = exp2(b_s[2][1] - b_m[2]);
    b_l[2] += b_s[2][1];
    { let col = tc + 1u * TC; s_p[(tr + 2u * TR) * 9u + col / 4u][col % 4u] = b_s[2][1]; }
    b_s[2][2] = exp2(b_s[2][2] - b_m[2]);
    b_l[2] += b_s[2][2];
    { let col = tc + 2u * TC; s_p[(tr + 2u * TR) * 9u + col / 4u][col % 4u] = b_s[2][2]; }
    b_s[2][3] = exp2(b_s[2][3] - b_m[2]);
    b_l[2] += b_s[2][3];
    { let col = tc + 3u * TC; s_p[(tr + 2u * TR) * 9u + col / 4u][col % 4u] = b_s[2][3]; }
    b_s[3][0] = exp2(b_s[3][0] - b_m[3]);
    b_l[3] += b_s[3][0];
    { let col = tc + 0u * TC; s_p[(tr + 3u * TR) * 9u + col / 4u][col % 4u] = b_s[3][0]; }
    b_s[3][1] = exp2(b_s[3][1] - b_m[3]);
    b_l[3] += b_s[3][1];
    { let col = tc + 1u * TC; s_p[(tr + 3u * TR) * 9u + col / 4u][col % 4u] = b_s[3][1]; }
    b_s[3][2] = exp2(b_s[3][2] - b_m[3]);
    b_l[3] += b_s[3][2];
    { let col = tc + 2u * TC; s_p[(tr + 3u * TR) * 9u + col / 4u][col % 4u] = b_s[3][2]; }
    b_s[3][3] = exp2(b_s[3][3] - b_m[3]);
    b_l[3] += b_s[3][3];
    { let col = tc + 3u * TC; s_p[(tr + 3u * TR) * 9u + col / 4u][col % 4u] = b_s[3][3]; }
    
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 16u;
    let c = (e % 16u) * 4u;
    var x = vec4f();
    if (k0 + r < u.lk && c < 33u) {
      let o_src = row_off(bh, k0 + r, u.lk, 33u) + c;
      { x[0] = f32(v[o_src + 0u]); }
      if (c + 1u < 33u) { x[1] = f32(v[o_src + 1u]); }
      if (c + 2u < 33u) { x[2] = f32(v[o_src + 2u]); }
      if (c + 3u < 33u) { x[3] = f32(v[o_src + 3u]); }
    }
    s_kv[r * 17u + e % 16u] = x;
  }
    workgroupBarrier();
    
  for (var c4 = 0u; c4 < 8u; c4++) {
    let p0 = s_p[(tr + 0u * TR) * 9u + c4];
    let p1 = s_p[(tr + 1u * TR) * 9u + c4];
    let p2 = s_p[(tr + 2u * TR) * 9u + c4];
    let p3 = s_p[(tr + 3u * TR) * 9u + c4];
    let x0_0 = s_kv[(c4 * 4u + 0u) * 17u + tc + 0u * TC];
    let x0_1 = s_kv[(c4 * 4u + 0u) * 17u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[0]), x0_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[0]), x0_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[0]), x0_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[0]), x0_1, b_o[1][1]);
    b_o[2][0] = fma(vec4f(p2[0]), x0_0, b_o[2][0]);
    b_o[2][1] = fma(vec4f(p2[0]), x0_1, b_o[2][1]);
    b_o[3][0] = fma(vec4f(p3[0]), x0_0, b_o[3][0]);
    b_o[3][1] = fma(vec4f(p3[0]), x0_1, b_o[3][1]);
    let x1_0 = s_kv[(c4 * 4u + 1u) * 17u + tc + 0u * TC];
    let x1_1 = s_kv[(c4 * 4u + 1u) * 17u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[1]), x1_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[1]), x1_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[1]), x1_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[1]), x1_1, b_o[1][1]);
    b_o[2][0] = fma(vec4f(p2[1]), x1_0, b_o[2][0]);
    b_o[2][1] = fma(vec4f(p2[1]), x1_1, b_o[2][1]);
    b_o[3][0] = fma(vec4f(p3[1]), x1_0, b_o[3][0]);
    b_o[3][1] = fma(vec4f(p3[1]), x1_1, b_o[3][1]);
    let x2_0 = s_kv[(c4 * 4u + 2u) * 17u + tc + 0u * TC];
    let x2_1 = s_kv[(c4 * 4u + 2u) * 17u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[2]), x2_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[2]), x2_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[2]), x2_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[2]), x2_1, b_o[1][1]);
    b_o[2][0] = fma(vec4f(p2[2]), x2_0, b_o[2][0]);
    b_o[2][1] = fma(vec4f(p2[2]), x2_1, b_o[2][1]);
    b_o[3][0] = fma(vec4f(p3[2]), x2_0, b_o[3][0]);
    b_o[3][1] = fma(vec4f(p3[2]), x2_1, b_o[3][1]);
    let x3_0 = s_kv[(c4 * 4u + 3u) * 17u + tc + 0u * TC];
    let x3_1 = s_kv[(c4 * 4u + 3u) * 17u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[3]), x3_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[3]), x3_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[3]), x3_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[3]), x3_1, b_o[1][1]);
    b_o[2][0] = fma(vec4f(p2[3]), x3_0, b_o[2][0]);
    b_o[2][1] = fma(vec4f(p2[3]), x3_1, b_o[2][1]);
    b_o[3][0] = fma(vec4f(p3[3]), x3_0, b_o[3][0]);
    b_o[3][1] = fma(vec4f(p3[3]), x3_1, b_o[3][1]);
  }
  }
  workgroupBarrier();
  s_red[(tr + 0u * TR) * TC + tc] = b_l[0];
  s_red[(tr + 1u * TR) * TC + tc] = b_l[1];
  s_red[(tr + 2u * TR) * TC + tc] = b_l[2];
  s_red[(tr + 3u * TR) * TC + tc] = b_l[3];
  workgroupBarrier();
  var inv_l = array<f32, 4>();
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
  {
    var l = 0.0;
    for (var c = 0u; c < TC; c++) { l += s_red[(tr + 2u * TR) * TC + c]; }
    inv_l[2] = 1.0 / l;
    let t = t0 + tr + 2u * TR;
    if (tc == 0u && t < u.lq) { lse[bh * u.lq + t] = b_m[2] + log2(l); }
  }
  {
    var l = 0.0;
    for (var c = 0u; c < TC; c++) { l += s_red[(tr + 3u * TR) * TC + c]; }
    inv_l[3] = 1.0 / l;
    let t = t0 + tr + 3u * TR;
    if (tc == 0u && t < u.lq) { lse[bh * u.lq + t] = b_m[3] + log2(l); }
  }
  
  if (t0 + tr + 0u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, u.lq, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[0][0] * inv_l[0];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[0][1] * inv_l[0];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, u.lq, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[1][0] * inv_l[1];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[1][1] * inv_l[1];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 2u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 2u * TR, u.lq, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[2][0] * inv_l[2];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[2][1] * inv_l[2];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 3u * TR < u.lq) {
    let o_row = row_off(bh, t0 + tr + 3u * TR, u.lq, 33u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[3][0] * inv_l[3];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[3][1] * inv_l[3];
      if (c + 0u < 33u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 33u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 33u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 33u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }
}
