

enable f16;
@group(0) @binding(0) var<storage, read> q: array<vec4<f16>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f16>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f16>>;
@group(0) @binding(3) var<storage, read> chunk: array<vec4<f32>>;
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

var<workgroup> s_q: array<vec4f, 528>; // [BR][K] own queries
var<workgroup> s_k: array<vec4f, 264>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, 264>; // [BC][V] values; then rows of h
var<workgroup> s_p: array<vec4f, 48>; // [BR][BC/4] probabilities
var<workgroup> s_key: array<u32, 24>; // pseudo-keys: row bh·NT + n of kc and vc
var<workgroup> s_w: array<f32, 24>; // pseudo-keys: weight len_n; 0 = past the last

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

  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.seq && c4 < 32u) {
      x = vec4f(q[row_off(bh, t0 + r, 128u) / 4u + c4]);
    }
    s_q[r * 33u + c4] = x;
  }
  var b_m = array<f32, 2>(NEG, NEG); // running row max (log2)
  var b_l = array<f32, 2>(); // partial row sums over this thread's columns
  var b_g = array<f32, 2>(); // the pseudo-keys' share of b_l
  var b_o = array<array<vec4f, 8>, 2>(); // [own rows][value groups]
  var f_k = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[0] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[0] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[1] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[1] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[2] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[2] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[3] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[3] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[4] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[4] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[5] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[5] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[6] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[6] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[7] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_k[7] = k[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
var f_v = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[0] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[0] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[1] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[1] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[2] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[2] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[3] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[3] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[4] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[4] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[5] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[5] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[6] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[6] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[7] = vec4<f16>();
    if (e < 256u && sel[selbase] * u.bt + r < u.seq && c4 < 32u) {
      f_v[7] = v[row_off(bh, sel[selbase] * u.bt + r, 128u) / 4u + c4];
    }
  }

  for (var p = 0u; p < u.top_k; p++) { // exact keys: the selected chunks, BC rows at a time
    let first_row = sel[selbase + p] * u.bt;
    for (var k0 = first_row; k0 < first_row + u.bt; k0 += BC) {
      let next_chunk = select(u.seq, sel[selbase + min(p + 1u, u.top_k - 1u)] * u.bt, p + 1u < u.top_k);
      let next_k0 = select(next_chunk, k0 + BC, k0 + BC < first_row + u.bt);
      workgroupBarrier();
        {
    let e = lid + 0u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_k[7]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_v[7]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[0] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[0] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[1] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[1] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[2] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[2] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[3] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[3] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[4] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[4] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[5] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[5] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[6] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[6] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_k[7] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_k[7] = k[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[0] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[0] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[1] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[1] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[2] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[2] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[3] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[3] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[4] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[4] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[5] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[5] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[6] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[6] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_v[7] = vec4<f16>();
    if (e < 256u && next_k0 + r < u.seq && c4 < 32u) {
      f_v[7] = v[row_off(bh, next_k0 + r, 128u) / 4u + c4];
    }
  }


    var b_s = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 33u + d4];
    let a1 = s_q[(tr + 1u * TR) * 33u + d4];
    let b0 = s_k[(tc + 0u * TC) * 33u + d4];
    let b1 = s_k[(tc + 1u * TC) * 33u + d4];
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
      b_o[0][2] *= alpha;
      b_o[0][3] *= alpha;
      b_o[0][4] *= alpha;
      b_o[0][5] *= alpha;
      b_o[0][6] *= alpha;
      b_o[0][7] *= alpha;
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
      b_o[1][2] *= alpha;
      b_o[1][3] *= alpha;
      b_o[1][4] *= alpha;
      b_o[1][5] *= alpha;
      b_o[1][6] *= alpha;
      b_o[1][7] *= alpha;
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
    let x0_0 = s_v[(c4 * 4u + 0u) * 33u + tc + 0u * TC];
    let x0_1 = s_v[(c4 * 4u + 0u) * 33u + tc + 1u * TC];
    let x0_2 = s_v[(c4 * 4u + 0u) * 33u + tc + 2u * TC];
    let x0_3 = s_v[(c4 * 4u + 0u) * 33u + tc + 3u * TC];
    let x0_4 = s_v[(c4 * 4u + 0u) * 33u + tc + 4u * TC];
    let x0_5 = s_v[(c4 * 4u + 0u) * 33u + tc + 5u * TC];
    let x0_6 = s_v[(c4 * 4u + 0u) * 33u + tc + 6u * TC];
    let x0_7 = s_v[(c4 * 4u + 0u) * 33u + tc + 7u * TC];
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
    let x1_0 = s_v[(c4 * 4u + 1u) * 33u + tc + 0u * TC];
    let x1_1 = s_v[(c4 * 4u + 1u) * 33u + tc + 1u * TC];
    let x1_2 = s_v[(c4 * 4u + 1u) * 33u + tc + 2u * TC];
    let x1_3 = s_v[(c4 * 4u + 1u) * 33u + tc + 3u * TC];
    let x1_4 = s_v[(c4 * 4u + 1u) * 33u + tc + 4u * TC];
    let x1_5 = s_v[(c4 * 4u + 1u) * 33u + tc + 5u * TC];
    let x1_6 = s_v[(c4 * 4u + 1u) * 33u + tc + 6u * TC];
    let x1_7 = s_v[(c4 * 4u + 1u) * 33u + tc + 7u * TC];
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
    let x2_0 = s_v[(c4 * 4u + 2u) * 33u + tc + 0u * TC];
    let x2_1 = s_v[(c4 * 4u + 2u) * 33u + tc + 1u * TC];
    let x2_2 = s_v[(c4 * 4u + 2u) * 33u + tc + 2u * TC];
    let x2_3 = s_v[(c4 * 4u + 2u) * 33u + tc + 3u * TC];
    let x2_4 = s_v[(c4 * 4u + 2u) * 33u + tc + 4u * TC];
    let x2_5 = s_v[(c4 * 4u + 2u) * 33u + tc + 5u * TC];
    let x2_6 = s_v[(c4 * 4u + 2u) * 33u + tc + 6u * TC];
    let x2_7 = s_v[(c4 * 4u + 2u) * 33u + tc + 7u * TC];
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
    let x3_0 = s_v[(c4 * 4u + 3u) * 33u + tc + 0u * TC];
    let x3_1 = s_v[(c4 * 4u + 3u) * 33u + tc + 1u * TC];
    let x3_2 = s_v[(c4 * 4u + 3u) * 33u + tc + 2u * TC];
    let x3_3 = s_v[(c4 * 4u + 3u) * 33u + tc + 3u * TC];
    let x3_4 = s_v[(c4 * 4u + 3u) * 33u + tc + 4u * TC];
    let x3_5 = s_v[(c4 * 4u + 3u) * 33u + tc + 5u * TC];
    let x3_6 = s_v[(c4 * 4u + 3u) * 33u + tc + 6u * TC];
    let x3_7 = s_v[(c4 * 4u + 3u) * 33u + tc + 7u * TC];
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
  }
  let n_pseudo = u.nt - u.top_k;
  // Pseudo-keys, prefetched: step s in buffer s mod 3 (w0; the next two steps' w1, w2).
    if (lid < BC) {
      let rho = 0u + lid;
      let n = unselected(selbase, min(rho, n_pseudo - 1u));
      s_key[lid] = bh * u.nt + n;
      s_w[lid] = select(0.0, f32(chunk_len(n)), rho < n_pseudo);
    }
    if (lid < BC) {
      let rho = BC + lid;
      let n = unselected(selbase, min(rho, n_pseudo - 1u));
      s_key[BC + lid] = bh * u.nt + n;
      s_w[BC + lid] = select(0.0, f32(chunk_len(n)), rho < n_pseudo);
    }
  workgroupBarrier();
var f_key = array<vec4<f32>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[0] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[0] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[1] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[1] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[2] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[2] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[3] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[3] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[4] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[4] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[5] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[5] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[6] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[6] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[7] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_key[7] = chunk[(u.off_kc + s_key[r] * u.dk) / 4u + c4];
    }
  }
var f_value = array<vec4<f32>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[0] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[0] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[1] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[1] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[2] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[2] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[3] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[3] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[4] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[4] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[5] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[5] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[6] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[6] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[7] = vec4<f32>();
    if (e < 256u && s_w[r] > 0.0 && c4 < 32u) {
      f_value[7] = chunk[(u.off_vc + s_key[r] * u.dv) / 4u + c4];
    }
  }
  for (var k0 = 0u; k0 < n_pseudo; k0 += BC) { // pseudo-keys: BC non-selected chunks at a time
    let w0 = (k0 / BC % 3u) * BC;
    let w1 = (k0 / BC + 1u) % 3u * BC;
    let w2 = (k0 / BC + 2u) % 3u * BC;
    workgroupBarrier();
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_k[(e / 32u) * 33u + e % 32u] = vec4f(f_key[7]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_v[(e / 32u) * 33u + e % 32u] = vec4f(f_value[7]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[0] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[0] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[1] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[1] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[2] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[2] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[3] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[3] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[4] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[4] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[5] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[5] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[6] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[6] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_key[7] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_key[7] = chunk[(u.off_kc + s_key[w1 + r] * u.dk) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[0] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[0] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[1] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[1] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[2] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[2] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[3] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[3] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[4] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[4] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[5] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[5] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[6] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[6] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_value[7] = vec4<f32>();
    if (e < 256u && s_w[w1 + r] > 0.0 && c4 < 32u) {
      f_value[7] = chunk[(u.off_vc + s_key[w1 + r] * u.dv) / 4u + c4];
    }
  }
    if (lid < BC) {
      let rho = k0 + 2u * BC + lid;
      let n = unselected(selbase, min(rho, n_pseudo - 1u));
      s_key[w2 + lid] = bh * u.nt + n;
      s_w[w2 + lid] = select(0.0, f32(chunk_len(n)), rho < n_pseudo);
    }

    var b_s = array<array<f32, 2>, 2>();
    
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_q[(tr + 0u * TR) * 33u + d4];
    let a1 = s_q[(tr + 1u * TR) * 33u + d4];
    let b0 = s_k[(tc + 0u * TC) * 33u + d4];
    let b1 = s_k[(tc + 1u * TC) * 33u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
    b_s[0][0] = select(NEG, b_s[0][0] * scale_log2, s_w[w0 + (tc + 0u * TC)] > 0.0);
    b_s[0][1] = select(NEG, b_s[0][1] * scale_log2, s_w[w0 + (tc + 1u * TC)] > 0.0);
    b_s[1][0] = select(NEG, b_s[1][0] * scale_log2, s_w[w0 + (tc + 0u * TC)] > 0.0);
    b_s[1][1] = select(NEG, b_s[1][1] * scale_log2, s_w[w0 + (tc + 1u * TC)] > 0.0);
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
      b_o[0][2] *= alpha;
      b_o[0][3] *= alpha;
      b_o[0][4] *= alpha;
      b_o[0][5] *= alpha;
      b_o[0][6] *= alpha;
      b_o[0][7] *= alpha;
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
      b_o[1][2] *= alpha;
      b_o[1][3] *= alpha;
      b_o[1][4] *= alpha;
      b_o[1][5] *= alpha;
      b_o[1][6] *= alpha;
      b_o[1][7] *= alpha;
    }
    b_s[0][0] = exp2(b_s[0][0] - b_m[0]);
    { let pw = b_s[0][0] * s_w[w0 + (tc + 0u * TC)]; b_l[0] += pw; b_g[0] += pw; }
    b_s[0][1] = exp2(b_s[0][1] - b_m[0]);
    { let pw = b_s[0][1] * s_w[w0 + (tc + 1u * TC)]; b_l[0] += pw; b_g[0] += pw; }
    b_s[1][0] = exp2(b_s[1][0] - b_m[1]);
    { let pw = b_s[1][0] * s_w[w0 + (tc + 0u * TC)]; b_l[1] += pw; b_g[1] += pw; }
    b_s[1][1] = exp2(b_s[1][1] - b_m[1]);
    { let pw = b_s[1][1] * s_w[w0 + (tc + 1u * TC)]; b_l[1] += pw; b_g[1] += pw; }
    { let col = tc + 0u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][0]; }
    { let col = tc + 1u * TC; s_p[(tr + 0u * TR) * 3u + col / 4u][col % 4u] = b_s[0][1]; }
    { let col = tc + 0u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][0]; }
    { let col = tc + 1u * TC; s_p[(tr + 1u * TR) * 3u + col / 4u][col % 4u] = b_s[1][1]; }
    workgroupBarrier();
    
  for (var c4 = 0u; c4 < 2u; c4++) {
    let p0 = s_p[(tr + 0u * TR) * 3u + c4];
    let p1 = s_p[(tr + 1u * TR) * 3u + c4];
    let x0_0 = s_v[(c4 * 4u + 0u) * 33u + tc + 0u * TC];
    let x0_1 = s_v[(c4 * 4u + 0u) * 33u + tc + 1u * TC];
    let x0_2 = s_v[(c4 * 4u + 0u) * 33u + tc + 2u * TC];
    let x0_3 = s_v[(c4 * 4u + 0u) * 33u + tc + 3u * TC];
    let x0_4 = s_v[(c4 * 4u + 0u) * 33u + tc + 4u * TC];
    let x0_5 = s_v[(c4 * 4u + 0u) * 33u + tc + 5u * TC];
    let x0_6 = s_v[(c4 * 4u + 0u) * 33u + tc + 6u * TC];
    let x0_7 = s_v[(c4 * 4u + 0u) * 33u + tc + 7u * TC];
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
    let x1_0 = s_v[(c4 * 4u + 1u) * 33u + tc + 0u * TC];
    let x1_1 = s_v[(c4 * 4u + 1u) * 33u + tc + 1u * TC];
    let x1_2 = s_v[(c4 * 4u + 1u) * 33u + tc + 2u * TC];
    let x1_3 = s_v[(c4 * 4u + 1u) * 33u + tc + 3u * TC];
    let x1_4 = s_v[(c4 * 4u + 1u) * 33u + tc + 4u * TC];
    let x1_5 = s_v[(c4 * 4u + 1u) * 33u + tc + 5u * TC];
    let x1_6 = s_v[(c4 * 4u + 1u) * 33u + tc + 6u * TC];
    let x1_7 = s_v[(c4 * 4u + 1u) * 33u + tc + 7u * TC];
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
    let x2_0 = s_v[(c4 * 4u + 2u) * 33u + tc + 0u * TC];
    let x2_1 = s_v[(c4 * 4u + 2u) * 33u + tc + 1u * TC];
    let x2_2 = s_v[(c4 * 4u + 2u) * 33u + tc + 2u * TC];
    let x2_3 = s_v[(c4 * 4u + 2u) * 33u + tc + 3u * TC];
    let x2_4 = s_v[(c4 * 4u + 2u) * 33u + tc + 4u * TC];
    let x2_5 = s_v[(c4 * 4u + 2u) * 33u + tc + 5u * TC];
    let x2_6 = s_v[(c4 * 4u + 2u) * 33u + tc + 6u * TC];
    let x2_7 = s_v[(c4 * 4u + 2u) * 33u + tc + 7u * TC];
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
    let x3_0 = s_v[(c4 * 4u + 3u) * 33u + tc + 0u * TC];
    let x3_1 = s_v[(c4 * 4u + 3u) * 33u + tc + 1u * TC];
    let x3_2 = s_v[(c4 * 4u + 3u) * 33u + tc + 2u * TC];
    let x3_3 = s_v[(c4 * 4u + 3u) * 33u + tc + 3u * TC];
    let x3_4 = s_v[(c4 * 4u + 3u) * 33u + tc + 4u * TC];
    let x3_5 = s_v[(c4 * 4u + 3u) * 33u + tc + 5u * TC];
    let x3_6 = s_v[(c4 * 4u + 3u) * 33u + tc + 6u * TC];
    let x3_7 = s_v[(c4 * 4u + 3u) * 33u + tc + 7u * TC];
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
  var b_h = array<array<vec4f, 8>, 2>();
  for (var a0 = 0u; a0 < u.dk; a0 += BC) {
    workgroupBarrier();
    
  for (var e = lid; e < 256u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (a0 + r < u.dk && c4 < 32u) { x = vec4f(chunk[(u.off_h + (bh * u.dk + a0 + r) * u.dv) / 4u + c4]); }
    s_v[r * 33u + c4] = x;
  }
    workgroupBarrier();
    for (var a = 0u; a < min(BC, u.dk - a0); a++) {
      let f = a0 + a;
      let h0 = s_v[a * 33u + tc + 0u * TC];
      let h1 = s_v[a * 33u + tc + 1u * TC];
      let h2 = s_v[a * 33u + tc + 2u * TC];
      let h3 = s_v[a * 33u + tc + 3u * TC];
      let h4 = s_v[a * 33u + tc + 4u * TC];
      let h5 = s_v[a * 33u + tc + 5u * TC];
      let h6 = s_v[a * 33u + tc + 6u * TC];
      let h7 = s_v[a * 33u + tc + 7u * TC];
      { let x = vec4f(s_q[(tr + 0u * TR) * 33u + f / 4u][f % 4u]);
        b_h[0][0] = fma(x, h0, b_h[0][0]);
        b_h[0][1] = fma(x, h1, b_h[0][1]);
        b_h[0][2] = fma(x, h2, b_h[0][2]);
        b_h[0][3] = fma(x, h3, b_h[0][3]);
        b_h[0][4] = fma(x, h4, b_h[0][4]);
        b_h[0][5] = fma(x, h5, b_h[0][5]);
        b_h[0][6] = fma(x, h6, b_h[0][6]);
        b_h[0][7] = fma(x, h7, b_h[0][7]); }
      { let x = vec4f(s_q[(tr + 1u * TR) * 33u + f / 4u][f % 4u]);
        b_h[1][0] = fma(x, h0, b_h[1][0]);
        b_h[1][1] = fma(x, h1, b_h[1][1]);
        b_h[1][2] = fma(x, h2, b_h[1][2]);
        b_h[1][3] = fma(x, h3, b_h[1][3]);
        b_h[1][4] = fma(x, h4, b_h[1][4]);
        b_h[1][5] = fma(x, h5, b_h[1][5]);
        b_h[1][6] = fma(x, h6, b_h[1][6]);
        b_h[1][7] = fma(x, h7, b_h[1][7]); }
    }
  }
  var inv_l = array<f32, 2>();
  {
    let first = u.scale * gsum[0] / f32(u.seq);
    b_o[0][0] = fma(vec4f(first), b_h[0][0], b_o[0][0]);
    b_o[0][1] = fma(vec4f(first), b_h[0][1], b_o[0][1]);
    b_o[0][2] = fma(vec4f(first), b_h[0][2], b_o[0][2]);
    b_o[0][3] = fma(vec4f(first), b_h[0][3], b_o[0][3]);
    b_o[0][4] = fma(vec4f(first), b_h[0][4], b_o[0][4]);
    b_o[0][5] = fma(vec4f(first), b_h[0][5], b_o[0][5]);
    b_o[0][6] = fma(vec4f(first), b_h[0][6], b_o[0][6]);
    b_o[0][7] = fma(vec4f(first), b_h[0][7], b_o[0][7]);
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
    b_o[1][2] = fma(vec4f(first), b_h[1][2], b_o[1][2]);
    b_o[1][3] = fma(vec4f(first), b_h[1][3], b_o[1][3]);
    b_o[1][4] = fma(vec4f(first), b_h[1][4], b_o[1][4]);
    b_o[1][5] = fma(vec4f(first), b_h[1][5], b_o[1][5]);
    b_o[1][6] = fma(vec4f(first), b_h[1][6], b_o[1][6]);
    b_o[1][7] = fma(vec4f(first), b_h[1][7], b_o[1][7]);
    inv_l[1] = 1.0 / l[1];
    let t = t0 + tr + 1u * TR;
    if (tc == 0u && t < u.seq) {
      rows[(bh * u.seq + t) * 4u] = (b_m[1] + log2(l[1])) * 0.6931471805599453;
      rows[(bh * u.seq + t) * 4u + 1u] = first / l[1];
    }
  }
  
  if (t0 + tr + 0u * TR < u.seq) {
    let o_row = row_off(bh, t0 + tr + 0u * TR, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[0][0] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[0][1] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_o[0][2] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_o[0][3] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_o[0][4] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_o[0][5] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_o[0][6] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_o[0][7] * inv_l[0];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let o_row = row_off(bh, t0 + tr + 1u * TR, 128u);
    {
      let c = (tc + 0u * TC) * 4u;
      let x = b_o[1][0] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 1u * TC) * 4u;
      let x = b_o[1][1] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 2u * TC) * 4u;
      let x = b_o[1][2] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 3u * TC) * 4u;
      let x = b_o[1][3] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 4u * TC) * 4u;
      let x = b_o[1][4] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 5u * TC) * 4u;
      let x = b_o[1][5] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 6u * TC) * 4u;
      let x = b_o[1][6] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
    }
    {
      let c = (tc + 7u * TC) * 4u;
      let x = b_o[1][7] * inv_l[1];
      if (c + 0u < 128u) { o[o_row + c + 0u] = f16(x[0]); }
      if (c + 1u < 128u) { o[o_row + c + 1u] = f16(x[1]); }
      if (c + 2u < 128u) { o[o_row + c + 2u] = f16(x[2]); }
      if (c + 3u < 128u) { o[o_row + c + 3u] = f16(x[3]); }
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
    {
      let c = (tc + 2u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][2][0] * inv_l[0]; }
    }
    {
      let c = (tc + 2u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][2][1] * inv_l[0]; }
    }
    {
      let c = (tc + 2u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][2][2] * inv_l[0]; }
    }
    {
      let c = (tc + 2u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][2][3] * inv_l[0]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][3][0] * inv_l[0]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][3][1] * inv_l[0]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][3][2] * inv_l[0]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][3][3] * inv_l[0]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][4][0] * inv_l[0]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][4][1] * inv_l[0]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][4][2] * inv_l[0]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][4][3] * inv_l[0]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][5][0] * inv_l[0]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][5][1] * inv_l[0]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][5][2] * inv_l[0]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][5][3] * inv_l[0]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][6][0] * inv_l[0]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][6][1] * inv_l[0]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][6][2] * inv_l[0]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][6][3] * inv_l[0]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][7][0] * inv_l[0]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][7][1] * inv_l[0]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][7][2] * inv_l[0]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[0][7][3] * inv_l[0]; }
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
    {
      let c = (tc + 2u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][2][0] * inv_l[1]; }
    }
    {
      let c = (tc + 2u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][2][1] * inv_l[1]; }
    }
    {
      let c = (tc + 2u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][2][2] * inv_l[1]; }
    }
    {
      let c = (tc + 2u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][2][3] * inv_l[1]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][3][0] * inv_l[1]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][3][1] * inv_l[1]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][3][2] * inv_l[1]; }
    }
    {
      let c = (tc + 3u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][3][3] * inv_l[1]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][4][0] * inv_l[1]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][4][1] * inv_l[1]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][4][2] * inv_l[1]; }
    }
    {
      let c = (tc + 4u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][4][3] * inv_l[1]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][5][0] * inv_l[1]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][5][1] * inv_l[1]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][5][2] * inv_l[1]; }
    }
    {
      let c = (tc + 5u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][5][3] * inv_l[1]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][6][0] * inv_l[1]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][6][1] * inv_l[1]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][6][2] * inv_l[1]; }
    }
    {
      let c = (tc + 6u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][6][3] * inv_l[1]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 0u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][7][0] * inv_l[1]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 1u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][7][1] * inv_l[1]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 2u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][7][2] * inv_l[1]; }
    }
    {
      let c = (tc + 7u * TC) * 4u + 3u;
      if (c < u.dv) { rows[o_row + c] = b_o[1][7][3] * inv_l[1]; }
    }
  }
}
