

enable f16;
@group(0) @binding(0) var<storage, read> q: array<f16>;
@group(0) @binding(1) var<storage, read> k: array<f16>;
@group(0) @binding(2) var<storage, read> v: array<f16>;
@group(0) @binding(3) var<storage, read> dO: array<f16>;
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
alias io = f16;

fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return (bh * u.seq + t) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }


const TR = 8u;
const TC = 4u;
const NT = 32u;
const BC = 8u;
var<workgroup> s_k: array<vec4f, 80>; // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 80>; // [BR][V] own values
var<workgroup> s_q: array<vec4f, 72>; // [BC][K] queries
var<workgroup> s_do: array<vec4f, 72>; // [BC][V] output gradients


var<workgroup> s_lse: array<f32, 8>;
var<workgroup> s_delta: array<f32, 8>;
var<workgroup> s_wk: array<f32, 16>; // chunks: own key weight as seen by block i

fn next_selected(own: u32, start: u32, stop: u32) -> u32 {
  for (var w = start / 32u; w * 32u < stop; w++) {
    var bits = seen[own + w];
    if (w == start / 32u) { bits &= ~((1u << (start % 32u)) - 1u); }
    if (bits != 0u) { return min(stop, w * 32u + countTrailingZeros(bits)); }
  }
  return stop;
}

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  let exact_main = (u.seq + 15u) / 16u;
  let n_exact = u.n_bh * exact_main;
  if (flat_group(wid, nwg) < n_exact) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * 1u * exact_main) { return; }
  let t0 = (g % exact_main) * 16u; // first own key row
  let split = (g / exact_main) % 1u; // range of query blocks
  let bh = g / (exact_main * 1u);
  let tr = lid / TC;
  let tc = lid % TC;
  let row_lane = sid - tc; // lanes row_lane .. row_lane + TC − 1
  let words = (u.nt + 31u) / 32u; // of each chunk's row in seen
  let scale_log2 = u.scale * 1.4426950408889634;
  
  for (var e = lid; e < 80u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, t0 + r, 17u) + c;
      { x[0] = f32(k[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(k[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(k[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(k[o_src + 3u]); }
    }
    s_k[r * 5u + e % 5u] = x;
  }
  
  for (var e = lid; e < 80u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, t0 + r, 17u) + c;
      { x[0] = f32(v[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(v[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(v[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(v[o_src + 3u]); }
    }
    s_v[r * 5u + e % 5u] = x;
  }
  var b_dk = array<array<vec4f, 2>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 2>, 2>(); // [own keys][value groups]
  let i_lo = split * u.nt;
  let i_hi = min(u.nt, i_lo + u.nt);
  let own = (bh * u.nt + t0 / u.bt) * words; // this chunk's row of seen
  var i = next_selected(own, i_lo, i_hi);
  
  while (i < i_hi) {
    let i_next = next_selected(own, i + 1u, i_hi);
    
    let block_end = min(u.seq, (i + 1u) * u.bt);
    for (var r0 = i * u.bt; r0 < block_end; r0 += BC) {
      workgroupBarrier();
      for (var e = lid; e < 8u; e += NT) {
      s_lse[e] = rows[(bh * u.seq + min(r0 + e, u.seq - 1u)) * 4u] * 1.4426950408889634;
      s_delta[e] = rows[(bh * u.seq + min(r0 + e, u.seq - 1u)) * 4u + 2u];
    }

  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (r0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, r0 + r, 17u) + c;
      { x[0] = f32(q[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(q[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(q[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(q[o_src + 3u]); }
    }
    s_q[r * 9u + e % 8u] = x;
  }

  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (r0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, r0 + r, 17u) + c;
      { x[0] = f32(dO[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(dO[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(dO[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(dO[o_src + 3u]); }
    }
    s_do[r * 9u + e % 8u] = x;
  }
    workgroupBarrier();
      var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
      
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 5u + d4];
    let a1 = s_k[(tr + 1u * TR) * 5u + d4];
    let b0 = s_q[(tc + 0u * TC) * 9u + d4];
    let b1 = s_q[(tc + 1u * TC) * 9u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
      var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
      
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 5u + d4];
    let a1 = s_v[(tr + 1u * TR) * 5u + d4];
    let b0 = s_do[(tc + 0u * TC) * 9u + d4];
    let b1 = s_do[(tc + 1u * TC) * 9u + d4];
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

      
      
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let x0 = s_do[c * 9u + tc + 0u * TC];
      let x1 = s_do[c * 9u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_do[c * 9u + tc + 0u * TC];
      let x1 = s_do[c * 9u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
    }
  }
      
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      let x1 = s_q[c * 9u + tc + 1u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      let x1 = s_q[c * 9u + tc + 1u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
    }
  }
    }
    i = i_next;
  }

  if (t0 + tr + 0u * TR < u.seq) {
    let key = t0 + tr + 0u * TR;
    let o_row = (bh * u.seq + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let key = t0 + tr + 1u * TR;
    let o_row = (bh * u.seq + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][3]; }
    }
  }

  if (t0 + tr + 0u * TR < u.seq) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dvx + (bh * u.seq + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dvx + (bh * u.seq + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][3]; }
    }
  }
  } else {
  let g = flat_group(wid, nwg) - n_exact;
  if (g >= u.n_bh * u.n_splits * u.n_main) { return; }
  let t0 = (g % u.n_main) * 16u; // first own chunk
  let split = (g / u.n_main) % u.n_splits; // range of query blocks
  let bh = g / (u.n_main * u.n_splits);
  let tr = lid / TC;
  let tc = lid % TC;
  let row_lane = sid - tc; // lanes row_lane .. row_lane + TC − 1
  let words = (u.nt + 31u) / 32u; // of each chunk's row in seen
  let scale_log2 = u.scale * 1.4426950408889634;
  
  for (var e = lid; e < 80u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.nt && c < 17u) {
      let o_src = u.off_kc + (bh * u.nt + t0 + r) * u.dk + c;
      { x[0] = f32(chunk[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(chunk[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(chunk[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(chunk[o_src + 3u]); }
    }
    s_k[r * 5u + e % 5u] = x;
  }
  
  for (var e = lid; e < 80u; e += NT) {
    let r = e / 5u;
    let c = (e % 5u) * 4u;
    var x = vec4f();
    if (t0 + r < u.nt && c < 17u) {
      let o_src = u.off_vc + (bh * u.nt + t0 + r) * u.dv + c;
      { x[0] = f32(chunk[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(chunk[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(chunk[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(chunk[o_src + 3u]); }
    }
    s_v[r * 5u + e % 5u] = x;
  }
  var b_dk = array<array<vec4f, 2>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 2>, 2>(); // [own keys][value groups]
  let i_lo = split * u.split_blocks;
  let i_hi = min(u.nt, i_lo + u.split_blocks);
  var i = i_lo;
  
  for (; i < i_hi; i++) {
    let i_next = i + 1u;
    workgroupBarrier(); // s_wk is read by the previous block's tiles
    if (lid < 16u) {
      let n = t0 + lid;
      let seen_here = n < u.nt && !(((seen[(bh * u.nt + min(n, u.nt - 1u)) * words + i / 32u] >> (i % 32u)) & 1u) != 0u);
      s_wk[lid] = select(0.0, f32(chunk_len(min(n, u.nt - 1u))), seen_here);
    }
    
    let block_end = min(u.seq, (i + 1u) * u.bt);
    for (var r0 = i * u.bt; r0 < block_end; r0 += BC) {
      workgroupBarrier();
      for (var e = lid; e < 8u; e += NT) {
      s_lse[e] = rows[(bh * u.seq + min(r0 + e, u.seq - 1u)) * 4u] * 1.4426950408889634;
      s_delta[e] = rows[(bh * u.seq + min(r0 + e, u.seq - 1u)) * 4u + 3u];
    }

  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (r0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, r0 + r, 17u) + c;
      { x[0] = f32(q[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(q[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(q[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(q[o_src + 3u]); }
    }
    s_q[r * 9u + e % 8u] = x;
  }

  for (var e = lid; e < 64u; e += NT) {
    let r = e / 8u;
    let c = (e % 8u) * 4u;
    var x = vec4f();
    if (r0 + r < u.seq && c < 17u) {
      let o_src = row_off(bh, r0 + r, 17u) + c;
      { x[0] = f32(dO[o_src + 0u]); }
      if (c + 1u < 17u) { x[1] = f32(dO[o_src + 1u]); }
      if (c + 2u < 17u) { x[2] = f32(dO[o_src + 2u]); }
      if (c + 3u < 17u) { x[3] = f32(dO[o_src + 3u]); }
    }
    s_do[r * 9u + e % 8u] = x;
  }
    workgroupBarrier();
      var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
      
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 5u + d4];
    let a1 = s_k[(tr + 1u * TR) * 5u + d4];
    let b0 = s_q[(tc + 0u * TC) * 9u + d4];
    let b1 = s_q[(tc + 1u * TC) * 9u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
      var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
      
  for (var d4 = 0u; d4 < 5u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 5u + d4];
    let a1 = s_v[(tr + 1u * TR) * 5u + d4];
    let b0 = s_do[(tc + 0u * TC) * 9u + d4];
    let b1 = s_do[(tc + 1u * TC) * 9u + d4];
    b_dp[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_dp[0][0]))));
    b_dp[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_dp[0][1]))));
    b_dp[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_dp[1][0]))));
    b_dp[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_dp[1][1]))));
  }
      {
        let col = tc + 0u * TC;
        let p = select(0.0, exp2(b_s[0][0] * scale_log2 - s_lse[col]), r0 + col < u.seq && s_wk[tr + 0u * TR] > 0.0);
        b_s[0][0] = p;
        b_dp[0][0] = p * (b_dp[0][0] - s_wk[tr + 0u * TR] * s_delta[col]);
      }
      {
        let col = tc + 1u * TC;
        let p = select(0.0, exp2(b_s[0][1] * scale_log2 - s_lse[col]), r0 + col < u.seq && s_wk[tr + 0u * TR] > 0.0);
        b_s[0][1] = p;
        b_dp[0][1] = p * (b_dp[0][1] - s_wk[tr + 0u * TR] * s_delta[col]);
      }
      {
        let col = tc + 0u * TC;
        let p = select(0.0, exp2(b_s[1][0] * scale_log2 - s_lse[col]), r0 + col < u.seq && s_wk[tr + 1u * TR] > 0.0);
        b_s[1][0] = p;
        b_dp[1][0] = p * (b_dp[1][0] - s_wk[tr + 1u * TR] * s_delta[col]);
      }
      {
        let col = tc + 1u * TC;
        let p = select(0.0, exp2(b_s[1][1] * scale_log2 - s_lse[col]), r0 + col < u.seq && s_wk[tr + 1u * TR] > 0.0);
        b_s[1][1] = p;
        b_dp[1][1] = p * (b_dp[1][1] - s_wk[tr + 1u * TR] * s_delta[col]);
      }

      
      
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_s[0][0], lane);
      let p1 = subgroupShuffle(b_s[1][0], lane);
      let x0 = s_do[c * 9u + tc + 0u * TC];
      let x1 = s_do[c * 9u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_do[c * 9u + tc + 0u * TC];
      let x1 = s_do[c * 9u + tc + 1u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
    }
  }
      
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      let x1 = s_q[c * 9u + tc + 1u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let x0 = s_q[c * 9u + tc + 0u * TC];
      let x1 = s_q[c * 9u + tc + 1u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
    }
  }
    }
  }

  if (t0 + tr + 0u * TR < u.nt) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dkc + ((split * u.n_bh + bh) * u.nt + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[0][1][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.nt) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dkc + ((split * u.n_bh + bh) * u.nt + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = u.scale * b_dk[1][1][3]; }
    }
  }

  if (t0 + tr + 0u * TR < u.nt) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dvc + ((split * u.n_bh + bh) * u.nt + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[0][1][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.nt) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dvc + ((split * u.n_bh + bh) * u.nt + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 17u) { grads[o_row + col] = 1.0 * b_dv[1][1][3]; }
    }
  }
  }
}
