

enable f16;
@group(0) @binding(0) var<storage, read> q: array<f16>;
@group(0) @binding(1) var<storage, read> k: array<f16>;
@group(0) @binding(2) var<storage, read> v: array<f16>;
@group(0) @binding(3) var<storage, read> chunk: array<f32>;
@group(0) @binding(4) var<storage, read> sel: array<u32>;
@group(0) @binding(5) var<storage, read_write> o: array<f16>;
@group(0) @binding(6) var<storage, read_write> rows: array<f32>;
struct Params {
  n_bh: u32,
  heads: u32,
  seq: u32,
  dk: u32,
  dv: u32,
  bt: u32,
  nt: u32,
  top_k: u32,
  scale: f32,
  n_groups: u32,
  group_rows: u32,
  n_tiles: u32,
  n_tiles_dv: u32,
  n_main: u32,
  n_splits: u32,
  split_blocks: u32,
  off_kc: u32,
  off_vc: u32,
  off_h: u32,
  off_norm: u32,
  off_out: u32,
  off_dq1: u32,
  off_o32: u32,
  off_dvx: u32,
  off_dkc: u32,
  off_dvc: u32,
  off_dh: u32,
}
@group(0) @binding(7) var<uniform> u: Params;
alias io = f16;

fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return (bh * u.seq + t) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }


// The rho-th non-selected chunk: rho + (smallest p with p == top_k or sel[p] − p > rho).
fn unselected(base: u32, rho: u32) -> u32 {
  var lo = 0u;
  var hi = u.top_k;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (sel[base + mid] - mid > rho) { hi = mid; } else { lo = mid + 1u; }
  }
  return rho + lo;
}
fn is_selected(base: u32, n: u32) -> bool {
  var lo = 0u;
  var hi = u.top_k;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (sel[base + mid] < n) { lo = mid + 1u; } else { hi = mid; }
  }
  return lo < u.top_k && sel[base + lo] == n;
}

const TR = 8u;
const TC = 4u;
const NT = 32u;
const BC = 8u;
const NEG = -1e30;

var<workgroup> s_q: array<vec4f, 80>; // [BR][K] own queries
var<workgroup> s_k: array<vec4f, 40>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, 72>; // [BC][V] values; then rows of h
var<workgroup> s_p: array<vec4f, 48>; // [BR][BC/4] probabilities
var<workgroup> s_key: array<u32, 8>; // pseudo-keys: row bh·NT + n of kc and vc
var<workgroup> s_w: array<f32, 8>; // pseudo-keys: weight len_n; 0 = past the last

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * u.n_main) { return; }
  let bh = g / u.n_main;
  let t0 = (g % u.n_main) * 16u; // first own query; all in query block t0 / bt
  let tr = lid / TC;
  let tc = lid % TC;
  
  let selbase = (bh * u.nt + t0 / u.bt) * u.top_k;
  let scale_log2 = u.scale * 1.4426950408889634;

  
  for (var e = lid; e < 80u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, t0 + r, 17u) + c;
      { x[0] = f32(q[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(q[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(q[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(q[o_src + 3u]); }
    }
    s_q[r * 5u + e % 5u] = x;
  }
  var b_m = array<f32, 2>(NEG, NEG); // running row max (log2)
  var b_l = array<f32, 2>(); // partial row sums over this thread's columns
  var b_g = array<f32, 2>(); // the pseudo-keys' share of b_l
  var b_o = array<array<vec4f, 2>, 2>(); // [own rows][value groups]
  
  for (var p = 0u; p < u.top_k; p++) { // exact keys: the selected chunks, BC rows at a time
    let first_row = sel[selbase + p] * u.bt;
    for (var k0 = first_row; k0 < first_row + u.bt; k0 += BC) {
      workgroupBarrier();
      
  for (var e = lid; e < 40u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (k0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, k0 + r, 17u) + c;
      { x[0] = f32(k[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(k[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(k[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(k[o_src + 3u]); }
    }
    s_k[r * 5u + e % 5u] = x;
  }

  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (k0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, k0 + r, 17u) + c;
      { x[0] = f32(v[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(v[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(v[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(v[o_src + 3u]); }
    }
    s_v[r * 9u + e % 8u] = x;
  }
    workgroupBarrier();

    var b_s = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 5u + d4];
    let a1 = s_q[(tr + 1u * TR) * 5u + d4];
    let b0 = s_k[(tc + 0u * TC) * 5u + d4];
    let b1 = s_k[(tc + 1u * TC) * 5u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    b_s[0][0] = select(NEG, b_s[0][0] * scale_log2, k0 + (tc + 0u * TC) < u.seq);
    b_s[0][1] = select(NEG, b_s[0][1] * scale_log2, k0 + (tc + 1u * TC) < u.seq);
    b_s[1][0] = select(NEG, b_s[1][0] * scale_log2, k0 + (tc + 0u * TC) < u.seq);
    b_s[1][1] = select(NEG, b_s[1][1] * scale_log2, k0 + (tc + 1u * TC) < u.seq);
    {
      var mx = max(b_m[0], max(b_s[0][0], b_s[0][1]));
      mx = max(mx, subgroupShuffleXor(mx, 2u));
      mx = max(mx, subgroupShuffleXor(mx, 1u));
      let alpha = exp2(b_m[0] - mx);
      b_m[0] = mx;
      b_l[0] *= alpha;
      b_g[0] *= alpha;
      b_o[0][0] *= alpha;
      b_o[0][1] *= alpha;
    }
    {
      var mx = max(b_m[1], max(b_s[1][0], b_s[1][1]));
      mx = max(mx, subgroupShuffleXor(mx, 2u));
      mx = max(mx, subgroupShuffleXor(mx, 1u));
      let alpha = exp2(b_m[1] - mx);
      b_m[1] = mx;
      b_l[1] *= alpha;
      b_g[1] *= alpha;
      b_o[1][0] *= alpha;
      b_o[1][1] *= alpha;
    }
    b_s[0][0] = exp2(b_s[0][0] - b_m[0]);
    b_l[0] += b_s[0][0];
    b_s[0][1] = exp2(b_s[0][1] - b_m[0]);
    b_l[0] += b_s[0][1];
    b_s[1][0] = exp2(b_s[1][0] - b_m[1]);
    b_l[1] += b_s[1][0];
    b_s[1][1] = exp2(b_s[1][1] - b_m[1]);
    b_l[1] += b_s[1][1];
    { let col = tc + 0u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][0]; }
    { let col = tc + 1u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][1]; }
    { let col = tc + 0u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][0]; }
    { let col = tc + 1u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][1]; }
    workgroupBarrier();
    
  for (var c4 = 0u; c4 < 2u; c4++) {
    let p0 = s_p[(tr + 0u * TR) * 3u + c4];
    let p1 = s_p[(tr + 1u * TR) * 3u + c4];
    let x0_0 = s_v[(c4 * 4u + 0u) * 9u + tc + 0u * TC];
    let x0_1 = s_v[(c4 * 4u + 0u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[0]), x0_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[0]), x0_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[0]), x0_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[0]), x0_1, b_o[1][1]);
    let x1_0 = s_v[(c4 * 4u + 1u) * 9u + tc + 0u * TC];
    let x1_1 = s_v[(c4 * 4u + 1u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[1]), x1_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[1]), x1_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[1]), x1_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[1]), x1_1, b_o[1][1]);
    let x2_0 = s_v[(c4 * 4u + 2u) * 9u + tc + 0u * TC];
    let x2_1 = s_v[(c4 * 4u + 2u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[2]), x2_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[2]), x2_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[2]), x2_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[2]), x2_1, b_o[1][1]);
    let x3_0 = s_v[(c4 * 4u + 3u) * 9u + tc + 0u * TC];
    let x3_1 = s_v[(c4 * 4u + 3u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[3]), x3_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[3]), x3_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[3]), x3_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[3]), x3_1, b_o[1][1]);
  }
    }
  }
  let n_pseudo = u.nt - u.top_k;
  for (var k0 = 0u; k0 < n_pseudo; k0 += BC) { // pseudo-keys: BC non-selected chunks at a time
    workgroupBarrier();
    if (lid < BC) {
      let rho = k0 + lid;
      let n = unselected(selbase, min(rho, n_pseudo - 1u));
      s_key[lid] = bh * u.nt + n;
      s_w[lid] = select(0.0, f32(chunk_len(n)), rho < n_pseudo);
    }
    workgroupBarrier();

  for (var e = lid; e < 40u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (s_w[r] > 0.0 && c < 17u) {
      let o_src = u.off_kc + s_key[r] * u.dk + c;
      { x[0] = f32(chunk[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(chunk[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(chunk[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(chunk[o_src + 3u]); }
    }
    s_k[r * 5u + e % 5u] = x;
  }

  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (s_w[r] > 0.0 && c < 17u) {
      let o_src = u.off_vc + s_key[r] * u.dv + c;
      { x[0] = f32(chunk[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(chunk[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(chunk[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(chunk[o_src + 3u]); }
    }
    s_v[r * 9u + e % 8u] = x;
  }
    workgroupBarrier();

    var b_s = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 5u + d4];
    let a1 = s_q[(tr + 1u * TR) * 5u + d4];
    let b0 = s_k[(tc + 0u * TC) * 5u + d4];
    let b1 = s_k[(tc + 1u * TC) * 5u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    b_s[0][0] = select(NEG, b_s[0][0] * scale_log2, s_w[(tc + 0u * TC)] > 0.0);
    b_s[0][1] = select(NEG, b_s[0][1] * scale_log2, s_w[(tc + 1u * TC)] > 0.0);
    b_s[1][0] = select(NEG, b_s[1][0] * scale_log2, s_w[(tc + 0u * TC)] > 0.0);
    b_s[1][1] = select(NEG, b_s[1][1] * scale_log2, s_w[(tc + 1u * TC)] > 0.0);
    {
      var mx = max(b_m[0], max(b_s[0][0], b_s[0][1]));
      mx = max(mx, subgroupShuffleXor(mx, 2u));
      mx = max(mx, subgroupShuffleXor(mx, 1u));
      let alpha = exp2(b_m[0] - mx);
      b_m[0] = mx;
      b_l[0] *= alpha;
      b_g[0] *= alpha;
      b_o[0][0] *= alpha;
      b_o[0][1] *= alpha;
    }
    {
      var mx = max(b_m[1], max(b_s[1][0], b_s[1][1]));
      mx = max(mx, subgroupShuffleXor(mx, 2u));
      mx = max(mx, subgroupShuffleXor(mx, 1u));
      let alpha = exp2(b_m[1] - mx);
      b_m[1] = mx;
      b_l[1] *= alpha;
      b_g[1] *= alpha;
      b_o[1][0] *= alpha;
      b_o[1][1] *= alpha;
    }
    b_s[0][0] = exp2(b_s[0][0] - b_m[0]);
    { let pw = b_s[0][0] * s_w[(tc + 0u * TC)]; b_l[0] += pw; b_g[0] += pw; }
    b_s[0][1] = exp2(b_s[0][1] - b_m[0]);
    { let pw = b_s[0][1] * s_w[(tc + 1u * TC)]; b_l[0] += pw; b_g[0] += pw; }
    b_s[1][0] = exp2(b_s[1][0] - b_m[1]);
    { let pw = b_s[1][0] * s_w[(tc + 0u * TC)]; b_l[1] += pw; b_g[1] += pw; }
    b_s[1][1] = exp2(b_s[1][1] - b_m[1]);
    { let pw = b_s[1][1] * s_w[(tc + 1u * TC)]; b_l[1] += pw; b_g[1] += pw; }
    { let col = tc + 0u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][0]; }
    { let col = tc + 1u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][1]; }
    { let col = tc + 0u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][0]; }
    { let col = tc + 1u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][1]; }
    workgroupBarrier();
    
  for (var c4 = 0u; c4 < 2u; c4++) {
    let p0 = s_p[(tr + 0u * TR) * 3u + c4];
    let p1 = s_p[(tr + 1u * TR) * 3u + c4];
    let x0_0 = s_v[(c4 * 4u + 0u) * 9u + tc + 0u * TC];
    let x0_1 = s_v[(c4 * 4u + 0u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[0]), x0_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[0]), x0_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[0]), x0_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[0]), x0_1, b_o[1][1]);
    let x1_0 = s_v[(c4 * 4u + 1u) * 9u + tc + 0u * TC];
    let x1_1 = s_v[(c4 * 4u + 1u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[1]), x1_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[1]), x1_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[1]), x1_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[1]), x1_1, b_o[1][1]);
    let x2_0 = s_v[(c4 * 4u + 2u) * 9u + tc + 0u * TC];
    let x2_1 = s_v[(c4 * 4u + 2u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[2]), x2_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[2]), x2_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[2]), x2_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[2]), x2_1, b_o[1][1]);
    let x3_0 = s_v[(c4 * 4u + 3u) * 9u + tc + 0u * TC];
    let x3_1 = s_v[(c4 * 4u + 3u) * 9u + tc + 1u * TC];
    b_o[0][0] = fma(vec4f(p0[3]), x3_0, b_o[0][0]);
    b_o[0][1] = fma(vec4f(p0[3]), x3_1, b_o[0][1]);
    b_o[1][0] = fma(vec4f(p1[3]), x3_0, b_o[1][0]);
    b_o[1][1] = fma(vec4f(p1[3]), x3_1, b_o[1][1]);
  }
  }

  var l = b_l;
  {
    var x = l[0];
    x = x + subgroupShuffleXor(x, 2u);
    x = x + subgroupShuffleXor(x, 1u);
    l[0] = x;
  }
  {
    var x = l[1];
    x = x + subgroupShuffleXor(x, 2u);
    x = x + subgroupShuffleXor(x, 1u);
    l[1] = x;
  }
  var gsum = b_g;
  {
    var x = gsum[0];
    x = x + subgroupShuffleXor(x, 2u);
    x = x + subgroupShuffleXor(x, 1u);
    gsum[0] = x;
  }
  {
    var x = gsum[1];
    x = x + subgroupShuffleXor(x, 2u);
    x = x + subgroupShuffleXor(x, 1u);
    gsum[1] = x;
  }
  // First-order term (docs/math.md §5.4): q h, h staged BC rows at a time.
  var b_h = array<array<vec4f, 2>, 2>();
  for (var a0 = 0u; a0 < u.dk; a0 += BC) {
    workgroupBarrier();
    
  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (a0 + r < u.dk && c < 17u) {
      let o_src = u.off_h + (bh * u.dk + a0 + r) * u.dv + c;
      { x[0] = f32(chunk[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(chunk[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(chunk[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(chunk[o_src + 3u]); }
    }
    s_v[r * 9u + e % 8u] = x;
  }
    workgroupBarrier();
    for (var a = 0u; a < min(BC, u.dk - a0); a++) {
      let f = a0 + a;
      let h0 = s_v[a * 9u + tc + 0u * TC];
      let h1 = s_v[a * 9u + tc + 1u * TC];
      { let x = vec4f(s_q[(tr + 0u * TR) * 5u + f / 4u][f % 4u]);
        b_h[0][0] = fma(x, h0, b_h[0][0]);
        b_h[0][1] = fma(x, h1, b_h[0][1]); }
      { let x = vec4f(s_q[(tr + 1u * TR) * 5u + f / 4u][f % 4u]);
        b_h[1][0] = fma(x, h0, b_h[1][0]);
        b_h[1][1] = fma(x, h1, b_h[1][1]); }
    }
  }
  var inv_l = array<f32, 2>();
  {
    let first = u.scale * gsum[0] / f32(u.seq);
    b_o[0][0] = fma(vec4f(first), b_h[0][0], b_o[0][0]);
    b_o[0][1] = fma(vec4f(first), b_h[0][1], b_o[0][1]);
    inv_l[0] = 1.0 / l[0];
    let t = t0 + tr + 0u * TR;
    if (tc == 0u && t < u.seq) {
      rows[(bh * u.seq + t) * 4u] = (b_m[0] + log2(l[0])) * 0.6931471805599453;
      rows[(bh * u.seq + t) * 4u + 1u] = first / l[0];
    }
  }
  {
    let first = u.scale * gsum[1] / f32(u.seq);
    b_o[1][0] = fma(vec4f(first), b_h[1][0], b_o[1][0]);
    b_o[1][1] = fma(vec4f(first), b_h[1][1], b_o[1][1]);
    inv_l[1] = 1.0 / l[1];
    let t = t0 + tr + 1u * TR;
    if (tc == 0u && t < u.seq) {
      rows[(bh * u.seq + t) * 4u] = (b_m[1] + log2(l[1])) * 0.6931471805599453;
      rows[(bh * u.seq + t) * 4u + 1u] = first / l[1];
    }
  }
  
  if (t0 + tr + 0u * TR < u.seq) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, 17u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[0][0] * inv_l[0];
      if (c + 0u < 17u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 17u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 17u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 17u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[0][1] * inv_l[0];
      if (c + 0u < 17u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 17u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 17u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 17u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, 17u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[1][0] * inv_l[1];
      if (c + 0u < 17u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 17u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 17u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 17u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[1][1] * inv_l[1];
      if (c + 0u < 17u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 17u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 17u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 17u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }
  if (t0 + tr + 0u * TR < u.seq) {
    let o_row = u.off_o32 + (bh * u.seq + t0 + tr + 0u * TR) * u.dv;
    {
      let c = (tc + 0u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][0][0] * inv_l[0]; }
    }
    {
      let c = (tc + 0u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][0][1] * inv_l[0]; }
    }
    {
      let c = (tc + 0u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][0][2] * inv_l[0]; }
    }
    {
      let c = (tc + 0u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][0][3] * inv_l[0]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][1][0] * inv_l[0]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][1][1] * inv_l[0]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][1][2] * inv_l[0]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][1][3] * inv_l[0]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let o_row = u.off_o32 + (bh * u.seq + t0 + tr + 1u * TR) * u.dv;
    {
      let c = (tc + 0u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][0][0] * inv_l[1]; }
    }
    {
      let c = (tc + 0u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][0][1] * inv_l[1]; }
    }
    {
      let c = (tc + 0u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][0][2] * inv_l[1]; }
    }
    {
      let c = (tc + 0u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][0][3] * inv_l[1]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][1][0] * inv_l[1]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][1][1] * inv_l[1]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][1][2] * inv_l[1]; }
    }
    {
      let c = (tc + 1u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][1][3] * inv_l[1]; }
    }
  }
}
