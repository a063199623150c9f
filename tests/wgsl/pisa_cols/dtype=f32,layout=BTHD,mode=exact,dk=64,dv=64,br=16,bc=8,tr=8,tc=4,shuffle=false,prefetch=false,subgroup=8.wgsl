


@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dO: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> chunk: array<f32>;
@group(0) @binding(5) var<storage, read> seen: array<u32>;
@group(0) @binding(6) var<storage, read> rows: array<f32>;
@group(0) @binding(7) var<storage, read_write> grads: array<f32>;
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
@group(0) @binding(8) var<uniform> u: Params;
alias io = f32;

fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return ((bh / u.heads) * u.seq + t) * u.heads * d + (bh % u.heads) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }


const TR = 8u;
const TC = 4u;
const NT = 32u;
const BC = 8u;
var<workgroup> s_k: array<vec4f, 272>; // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 272>; // [BR][V] own values
var<workgroup> s_q: array<vec4f, 136>; // [BC][K] queries
var<workgroup> s_do: array<vec4f, 136>; // [BC][V] output gradients
var<workgroup> s_pt: array<vec4f, 48>; // [BR][BC/4] Pᵀ (own keys × queries)
var<workgroup> s_dst: array<vec4f, 48>; // [BR][BC/4] dSᵀ
var<workgroup> s_lse: array<f32, 8>;
var<workgroup> s_delta: array<f32, 8>;
var<workgroup> s_wk: array<f32, 16>; // chunks: own key weight as seen by block i
var<workgroup> s_flag: u32;

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * u.n_splits * u.n_main) { return; }
  let t0 = (g % u.n_main) * 16u; // first own key row
  let split = (g / u.n_main) % u.n_splits; // range of query blocks
  let bh = g / (u.n_main * u.n_splits);
  let tr = lid / TC;
  let tc = lid % TC;
  
  let words = (u.nt + 31u) / 32u; // of each chunk's row in seen
  let scale_log2 = u.scale * 1.4426950408889634;
  
  for (var e = lid; e < 256u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (t0 + r < u.seq && c4 < 16u) {
      x = vec4f(k[row_off(bh, t0 + r, 64u) / 4u + c4]);
    }
    s_k[r * 17u + c4] = x;
  }
  
  for (var e = lid; e < 256u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (t0 + r < u.seq && c4 < 16u) {
      x = vec4f(v[row_off(bh, t0 + r, 64u) / 4u + c4]);
    }
    s_v[r * 17u + c4] = x;
  }
  var b_dk = array<array<vec4f, 4>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 4>, 2>(); // [own keys][value groups]
  let i_lo = split * u.split_blocks;
  let i_hi = min(u.nt, i_lo + u.split_blocks);
  for (var w = i_lo / 32u; w * 32u < i_hi; w++) {
    workgroupBarrier(); // everyone has read the previous s_flag
    if (lid == 0u) { s_flag = seen[(bh * u.nt + t0 / u.bt) * words + w]; }
    var todo = workgroupUniformLoad(&s_flag); // bit b: block 32w + b selected this chunk
    while (todo != 0u) {
      let i = w * 32u + countTrailingZeros(todo);
      todo &= todo - 1u;
      
    for (var r0 = i * u.bt; r0 < min(u.seq, (i + 1u) * u.bt); r0 += BC) {
      workgroupBarrier();
      
  for (var e = lid; e < 128u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (r0 + r < u.seq && c4 < 16u) {
      x = vec4f(q[row_off(bh, r0 + r, 64u) / 4u + c4]);
    }
    s_q[r * 17u + c4] = x;
  }
      
  for (var e = lid; e < 128u; e += NT) {
    let r = e / 16u;
    let c4 = e % 16u;
    var x = vec4f();
    if (r0 + r < u.seq && c4 < 16u) {
      x = vec4f(dO[row_off(bh, r0 + r, 64u) / 4u + c4]);
    }
    s_do[r * 17u + c4] = x;
  }
      for (var e = lid; e < BC; e += NT) {
        let at = (bh * u.seq + min(r0 + e, u.seq - 1u)) * 4u;
        s_lse[e] = rows[at] * 1.4426950408889634; // log2 units
        s_delta[e] = rows[at + 2u]; // D
      }
      workgroupBarrier();
      var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
      
  for (var d4 = 0u; d4 < 16u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 17u + d4];
    let a1 = s_k[(tr + 1u * TR) * 17u + d4];
    let b0 = s_q[(tc + 0u * TC) * 17u + d4];
    let b1 = s_q[(tc + 1u * TC) * 17u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
      var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
      
  for (var d4 = 0u; d4 < 16u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 17u + d4];
    let a1 = s_v[(tr + 1u * TR) * 17u + d4];
    let b0 = s_do[(tc + 0u * TC) * 17u + d4];
    let b1 = s_do[(tc + 1u * TC) * 17u + d4];
    b_dp[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_dp[0][0]))));
    b_dp[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_dp[0][1]))));
    b_dp[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_dp[1][0]))));
    b_dp[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_dp[1][1]))));
  }
      {
        let col = tc + 0u * TC;
        let p = select(0.0, exp2(b_s[0][0] * scale_log2 - s_lse[col]), r0 + col < u.seq);
        b_s[0][0] = p;
        b_dp[0][0] = p * (b_dp[0][0] - 1.0 * s_delta[col]);
      }
      {
        let col = tc + 1u * TC;
        let p = select(0.0, exp2(b_s[0][1] * scale_log2 - s_lse[col]), r0 + col < u.seq);
        b_s[0][1] = p;
        b_dp[0][1] = p * (b_dp[0][1] - 1.0 * s_delta[col]);
      }
      {
        let col = tc + 0u * TC;
        let p = select(0.0, exp2(b_s[1][0] * scale_log2 - s_lse[col]), r0 + col < u.seq);
        b_s[1][0] = p;
        b_dp[1][0] = p * (b_dp[1][0] - 1.0 * s_delta[col]);
      }
      {
        let col = tc + 1u * TC;
        let p = select(0.0, exp2(b_s[1][1] * scale_log2 - s_lse[col]), r0 + col < u.seq);
        b_s[1][1] = p;
        b_dp[1][1] = p * (b_dp[1][1] - 1.0 * s_delta[col]);
      }
    { let col = tc + 0u * TC; s_pt[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][0]; }
    { let col = tc + 1u * TC; s_pt[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][1]; }
    { let col = tc + 0u * TC; s_pt[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][0]; }
    { let col = tc + 1u * TC; s_pt[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][1]; }
    { let col = tc + 0u * TC; s_dst[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_dp[0][0]; }
    { let col = tc + 1u * TC; s_dst[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_dp[0][1]; }
    { let col = tc + 0u * TC; s_dst[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_dp[1][0]; }
    { let col = tc + 1u * TC; s_dst[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_dp[1][1]; }
      workgroupBarrier();
      
  for (var c4 = 0u; c4 < 2u; c4++) {
    let p0 = s_pt[(tr + 0u * TR) * 3u + c4];
    let p1 = s_pt[(tr + 1u * TR) * 3u + c4];
    let x0_0 = s_do[(c4 * 4u + 0u) * 17u + tc + 0u * TC];
    let x0_1 = s_do[(c4 * 4u + 0u) * 17u + tc + 1u * TC];
    let x0_2 = s_do[(c4 * 4u + 0u) * 17u + tc + 2u * TC];
    let x0_3 = s_do[(c4 * 4u + 0u) * 17u + tc + 3u * TC];
    b_dv[0][0] = fma(vec4f(p0[0]), x0_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[0]), x0_1, b_dv[0][1]);
    b_dv[0][2] = fma(vec4f(p0[0]), x0_2, b_dv[0][2]);
    b_dv[0][3] = fma(vec4f(p0[0]), x0_3, b_dv[0][3]);
    b_dv[1][0] = fma(vec4f(p1[0]), x0_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[0]), x0_1, b_dv[1][1]);
    b_dv[1][2] = fma(vec4f(p1[0]), x0_2, b_dv[1][2]);
    b_dv[1][3] = fma(vec4f(p1[0]), x0_3, b_dv[1][3]);
    let x1_0 = s_do[(c4 * 4u + 1u) * 17u + tc + 0u * TC];
    let x1_1 = s_do[(c4 * 4u + 1u) * 17u + tc + 1u * TC];
    let x1_2 = s_do[(c4 * 4u + 1u) * 17u + tc + 2u * TC];
    let x1_3 = s_do[(c4 * 4u + 1u) * 17u + tc + 3u * TC];
    b_dv[0][0] = fma(vec4f(p0[1]), x1_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[1]), x1_1, b_dv[0][1]);
    b_dv[0][2] = fma(vec4f(p0[1]), x1_2, b_dv[0][2]);
    b_dv[0][3] = fma(vec4f(p0[1]), x1_3, b_dv[0][3]);
    b_dv[1][0] = fma(vec4f(p1[1]), x1_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[1]), x1_1, b_dv[1][1]);
    b_dv[1][2] = fma(vec4f(p1[1]), x1_2, b_dv[1][2]);
    b_dv[1][3] = fma(vec4f(p1[1]), x1_3, b_dv[1][3]);
    let x2_0 = s_do[(c4 * 4u + 2u) * 17u + tc + 0u * TC];
    let x2_1 = s_do[(c4 * 4u + 2u) * 17u + tc + 1u * TC];
    let x2_2 = s_do[(c4 * 4u + 2u) * 17u + tc + 2u * TC];
    let x2_3 = s_do[(c4 * 4u + 2u) * 17u + tc + 3u * TC];
    b_dv[0][0] = fma(vec4f(p0[2]), x2_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[2]), x2_1, b_dv[0][1]);
    b_dv[0][2] = fma(vec4f(p0[2]), x2_2, b_dv[0][2]);
    b_dv[0][3] = fma(vec4f(p0[2]), x2_3, b_dv[0][3]);
    b_dv[1][0] = fma(vec4f(p1[2]), x2_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[2]), x2_1, b_dv[1][1]);
    b_dv[1][2] = fma(vec4f(p1[2]), x2_2, b_dv[1][2]);
    b_dv[1][3] = fma(vec4f(p1[2]), x2_3, b_dv[1][3]);
    let x3_0 = s_do[(c4 * 4u + 3u) * 17u + tc + 0u * TC];
    let x3_1 = s_do[(c4 * 4u + 3u) * 17u + tc + 1u * TC];
    let x3_2 = s_do[(c4 * 4u + 3u) * 17u + tc + 2u * TC];
    let x3_3 = s_do[(c4 * 4u + 3u) * 17u + tc + 3u * TC];
    b_dv[0][0] = fma(vec4f(p0[3]), x3_0, b_dv[0][0]);
    b_dv[0][1] = fma(vec4f(p0[3]), x3_1, b_dv[0][1]);
    b_dv[0][2] = fma(vec4f(p0[3]), x3_2, b_dv[0][2]);
    b_dv[0][3] = fma(vec4f(p0[3]), x3_3, b_dv[0][3]);
    b_dv[1][0] = fma(vec4f(p1[3]), x3_0, b_dv[1][0]);
    b_dv[1][1] = fma(vec4f(p1[3]), x3_1, b_dv[1][1]);
    b_dv[1][2] = fma(vec4f(p1[3]), x3_2, b_dv[1][2]);
    b_dv[1][3] = fma(vec4f(p1[3]), x3_3, b_dv[1][3]);
  }
      
  for (var c4 = 0u; c4 < 2u; c4++) {
    let p0 = s_dst[(tr + 0u * TR) * 3u + c4];
    let p1 = s_dst[(tr + 1u * TR) * 3u + c4];
    let x0_0 = s_q[(c4 * 4u + 0u) * 17u + tc + 0u * TC];
    let x0_1 = s_q[(c4 * 4u + 0u) * 17u + tc + 1u * TC];
    let x0_2 = s_q[(c4 * 4u + 0u) * 17u + tc + 2u * TC];
    let x0_3 = s_q[(c4 * 4u + 0u) * 17u + tc + 3u * TC];
    b_dk[0][0] = fma(vec4f(p0[0]), x0_0, b_dk[0][0]);
    b_dk[0][1] = fma(vec4f(p0[0]), x0_1, b_dk[0][1]);
    b_dk[0][2] = fma(vec4f(p0[0]), x0_2, b_dk[0][2]);
    b_dk[0][3] = fma(vec4f(p0[0]), x0_3, b_dk[0][3]);
    b_dk[1][0] = fma(vec4f(p1[0]), x0_0, b_dk[1][0]);
    b_dk[1][1] = fma(vec4f(p1[0]), x0_1, b_dk[1][1]);
    b_dk[1][2] = fma(vec4f(p1[0]), x0_2, b_dk[1][2]);
    b_dk[1][3] = fma(vec4f(p1[0]), x0_3, b_dk[1][3]);
    let x1_0 = s_q[(c4 * 4u + 1u) * 17u + tc + 0u * TC];
    let x1_1 = s_q[(c4 * 4u + 1u) * 17u + tc + 1u * TC];
    let x1_2 = s_q[(c4 * 4u + 1u) * 17u + tc + 2u * TC];
    let x1_3 = s_q[(c4 * 4u + 1u) * 17u + tc + 3u * TC];
    b_dk[0][0] = fma(vec4f(p0[1]), x1_0, b_dk[0][0]);
    b_dk[0][1] = fma(vec4f(p0[1]), x1_1, b_dk[0][1]);
    b_dk[0][2] = fma(vec4f(p0[1]), x1_2, b_dk[0][2]);
    b_dk[0][3] = fma(vec4f(p0[1]), x1_3, b_dk[0][3]);
    b_dk[1][0] = fma(vec4f(p1[1]), x1_0, b_dk[1][0]);
    b_dk[1][1] = fma(vec4f(p1[1]), x1_1, b_dk[1][1]);
    b_dk[1][2] = fma(vec4f(p1[1]), x1_2, b_dk[1][2]);
    b_dk[1][3] = fma(vec4f(p1[1]), x1_3, b_dk[1][3]);
    let x2_0 = s_q[(c4 * 4u + 2u) * 17u + tc + 0u * TC];
    let x2_1 = s_q[(c4 * 4u + 2u) * 17u + tc + 1u * TC];
    let x2_2 = s_q[(c4 * 4u + 2u) * 17u + tc + 2u * TC];
    let x2_3 = s_q[(c4 * 4u + 2u) * 17u + tc + 3u * TC];
    b_dk[0][0] = fma(vec4f(p0[2]), x2_0, b_dk[0][0]);
    b_dk[0][1] = fma(vec4f(p0[2]), x2_1, b_dk[0][1]);
    b_dk[0][2] = fma(vec4f(p0[2]), x2_2, b_dk[0][2]);
    b_dk[0][3] = fma(vec4f(p0[2]), x2_3, b_dk[0][3]);
    b_dk[1][0] = fma(vec4f(p1[2]), x2_0, b_dk[1][0]);
    b_dk[1][1] = fma(vec4f(p1[2]), x2_1, b_dk[1][1]);
    b_dk[1][2] = fma(vec4f(p1[2]), x2_2, b_dk[1][2]);
    b_dk[1][3] = fma(vec4f(p1[2]), x2_3, b_dk[1][3]);
    let x3_0 = s_q[(c4 * 4u + 3u) * 17u + tc + 0u * TC];
    let x3_1 = s_q[(c4 * 4u + 3u) * 17u + tc + 1u * TC];
    let x3_2 = s_q[(c4 * 4u + 3u) * 17u + tc + 2u * TC];
    let x3_3 = s_q[(c4 * 4u + 3u) * 17u + tc + 3u * TC];
    b_dk[0][0] = fma(vec4f(p0[3]), x3_0, b_dk[0][0]);
    b_dk[0][1] = fma(vec4f(p0[3]), x3_1, b_dk[0][1]);
    b_dk[0][2] = fma(vec4f(p0[3]), x3_2, b_dk[0][2]);
    b_dk[0][3] = fma(vec4f(p0[3]), x3_3, b_dk[0][3]);
    b_dk[1][0] = fma(vec4f(p1[3]), x3_0, b_dk[1][0]);
    b_dk[1][1] = fma(vec4f(p1[3]), x3_1, b_dk[1][1]);
    b_dk[1][2] = fma(vec4f(p1[3]), x3_2, b_dk[1][2]);
    b_dk[1][3] = fma(vec4f(p1[3]), x3_3, b_dk[1][3]);
  }
    }
    }
  }

  if (t0 + tr + 0u * TR < u.seq) {
    let key = t0 + tr + 0u * TR;
    let o_row = (bh * u.seq + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[0][3][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let key = t0 + tr + 1u * TR;
    let o_row = (bh * u.seq + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = u.scale * b_dk[1][3][3]; }
    }
  }

  if (t0 + tr + 0u * TR < u.seq) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dvx + (bh * u.seq + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[0][3][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dvx + (bh * u.seq + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 64u) { grads[o_row + col] = 1.0 * b_dv[1][3][3]; }
    }
  }
}
