

enable f16;
@group(0) @binding(0) var<storage, read> q: array<vec4<f16>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f16>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f16>>;
@group(0) @binding(3) var<storage, read> dO: array<vec4<f16>>;
@group(0) @binding(4) var<storage, read> chunk: array<vec4<f32>>;
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
var<workgroup> s_k: array<vec4f, 528>; // [BR][K] own keys
var<workgroup> s_v: array<vec4f, 528>; // [BR][V] own values
var<workgroup> s_q: array<vec4f, 264>; // [BC][K] queries
var<workgroup> s_do: array<vec4f, 264>; // [BC][V] output gradients


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
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.seq && c4 < 32u) {
      x = vec4f(k[row_off(bh, t0 + r, 128u) / 4u + c4]);
    }
    s_k[r * 33u + c4] = x;
  }
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.seq && c4 < 32u) {
      x = vec4f(v[row_off(bh, t0 + r, 128u) / 4u + c4]);
    }
    s_v[r * 33u + c4] = x;
  }
  var b_dk = array<array<vec4f, 8>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 8>, 2>(); // [own keys][value groups]
  let i_lo = split * u.nt;
  let i_hi = min(u.nt, i_lo + u.nt);
  let own = (bh * u.nt + t0 / u.bt) * words; // this chunk's row of seen
  var i = next_selected(own, i_lo, i_hi);
  var f_q = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[0] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[0] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[1] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[1] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[2] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[2] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[3] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[3] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[4] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[4] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[5] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[5] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[6] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[6] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[7] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[7] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
var f_dO = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[0] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[0] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[1] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[1] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[2] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[2] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[3] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[3] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[4] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[4] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[5] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[5] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[6] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[6] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[7] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[7] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
var f_s_lse = 0.0;
var f_s_delta = 0.0;
    if (lid < 8u) {
      f_s_lse = rows[(bh * u.seq + min(i * u.bt + lid, u.seq - 1u)) * 4u] * 1.4426950408889634;
      f_s_delta = rows[(bh * u.seq + min(i * u.bt + lid, u.seq - 1u)) * 4u + 2u];
    }
  while (i < i_hi) {
    let i_next = next_selected(own, i + 1u, i_hi);
    
    let block_end = min(u.seq, (i + 1u) * u.bt);
    for (var r0 = i * u.bt; r0 < block_end; r0 += BC) {
      workgroupBarrier();
      if (lid < 8u) { s_lse[lid] = f_s_lse; s_delta[lid] = f_s_delta; }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[7]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[7]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[0] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[0] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[1] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[1] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[2] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[2] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[3] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[3] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[4] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[4] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[5] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[5] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[6] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[6] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[7] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[7] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[0] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[0] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[1] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[1] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[2] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[2] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[3] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[3] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[4] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[4] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[5] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[5] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[6] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[6] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[7] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[7] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
    if (lid < 8u) {
      f_s_lse = rows[(bh * u.seq + min(select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + lid, u.seq - 1u)) * 4u] * 1.4426950408889634;
      f_s_delta = rows[(bh * u.seq + min(select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + lid, u.seq - 1u)) * 4u + 2u];
    }
      var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
      
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 33u + d4];
    let a1 = s_k[(tr + 1u * TR) * 33u + d4];
    let b0 = s_q[(tc + 0u * TC) * 33u + d4];
    let b1 = s_q[(tc + 1u * TC) * 33u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
      var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
      
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 33u + d4];
    let a1 = s_v[(tr + 1u * TR) * 33u + d4];
    let b0 = s_do[(tc + 0u * TC) * 33u + d4];
    let b1 = s_do[(tc + 1u * TC) * 33u + d4];
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
      let x0 = s_do[c * 33u + tc + 0u * TC];
      let x1 = s_do[c * 33u + tc + 1u * TC];
      let x2 = s_do[c * 33u + tc + 2u * TC];
      let x3 = s_do[c * 33u + tc + 3u * TC];
      let x4 = s_do[c * 33u + tc + 4u * TC];
      let x5 = s_do[c * 33u + tc + 5u * TC];
      let x6 = s_do[c * 33u + tc + 6u * TC];
      let x7 = s_do[c * 33u + tc + 7u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[0][4] = fma(vec4f(p0), x4, b_dv[0][4]);
      b_dv[0][5] = fma(vec4f(p0), x5, b_dv[0][5]);
      b_dv[0][6] = fma(vec4f(p0), x6, b_dv[0][6]);
      b_dv[0][7] = fma(vec4f(p0), x7, b_dv[0][7]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
      b_dv[1][4] = fma(vec4f(p1), x4, b_dv[1][4]);
      b_dv[1][5] = fma(vec4f(p1), x5, b_dv[1][5]);
      b_dv[1][6] = fma(vec4f(p1), x6, b_dv[1][6]);
      b_dv[1][7] = fma(vec4f(p1), x7, b_dv[1][7]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_do[c * 33u + tc + 0u * TC];
      let x1 = s_do[c * 33u + tc + 1u * TC];
      let x2 = s_do[c * 33u + tc + 2u * TC];
      let x3 = s_do[c * 33u + tc + 3u * TC];
      let x4 = s_do[c * 33u + tc + 4u * TC];
      let x5 = s_do[c * 33u + tc + 5u * TC];
      let x6 = s_do[c * 33u + tc + 6u * TC];
      let x7 = s_do[c * 33u + tc + 7u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[0][4] = fma(vec4f(p0), x4, b_dv[0][4]);
      b_dv[0][5] = fma(vec4f(p0), x5, b_dv[0][5]);
      b_dv[0][6] = fma(vec4f(p0), x6, b_dv[0][6]);
      b_dv[0][7] = fma(vec4f(p0), x7, b_dv[0][7]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
      b_dv[1][4] = fma(vec4f(p1), x4, b_dv[1][4]);
      b_dv[1][5] = fma(vec4f(p1), x5, b_dv[1][5]);
      b_dv[1][6] = fma(vec4f(p1), x6, b_dv[1][6]);
      b_dv[1][7] = fma(vec4f(p1), x7, b_dv[1][7]);
    }
  }
      
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let x0 = s_q[c * 33u + tc + 0u * TC];
      let x1 = s_q[c * 33u + tc + 1u * TC];
      let x2 = s_q[c * 33u + tc + 2u * TC];
      let x3 = s_q[c * 33u + tc + 3u * TC];
      let x4 = s_q[c * 33u + tc + 4u * TC];
      let x5 = s_q[c * 33u + tc + 5u * TC];
      let x6 = s_q[c * 33u + tc + 6u * TC];
      let x7 = s_q[c * 33u + tc + 7u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let x0 = s_q[c * 33u + tc + 0u * TC];
      let x1 = s_q[c * 33u + tc + 1u * TC];
      let x2 = s_q[c * 33u + tc + 2u * TC];
      let x3 = s_q[c * 33u + tc + 3u * TC];
      let x4 = s_q[c * 33u + tc + 4u * TC];
      let x5 = s_q[c * 33u + tc + 5u * TC];
      let x6 = s_q[c * 33u + tc + 6u * TC];
      let x7 = s_q[c * 33u + tc + 7u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
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
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let key = t0 + tr + 1u * TR;
    let o_row = (bh * u.seq + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][3]; }
    }
  }

  if (t0 + tr + 0u * TR < u.seq) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dvx + (bh * u.seq + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.seq) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dvx + (bh * u.seq + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][3]; }
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
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.nt && c4 < 32u) { x = vec4f(chunk[(u.off_kc + (bh * u.nt + t0 + r) * u.dk) / 4u + c4]); }
    s_k[r * 33u + c4] = x;
  }
  
  for (var e = lid; e < 512u; e += NT) {
    let r = e / 32u;
    let c4 = e % 32u;
    var x = vec4f();
    if (t0 + r < u.nt && c4 < 32u) { x = vec4f(chunk[(u.off_vc + (bh * u.nt + t0 + r) * u.dv) / 4u + c4]); }
    s_v[r * 33u + c4] = x;
  }
  var b_dk = array<array<vec4f, 8>, 2>(); // [own keys][key groups]
  var b_dv = array<array<vec4f, 8>, 2>(); // [own keys][value groups]
  let i_lo = split * u.split_blocks;
  let i_hi = min(u.nt, i_lo + u.split_blocks);
  var i = i_lo;
  var f_q = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[0] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[0] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[1] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[1] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[2] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[2] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[3] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[3] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[4] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[4] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[5] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[5] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[6] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[6] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[7] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_q[7] = q[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
var f_dO = array<vec4<f16>, 8>();
  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[0] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[0] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[1] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[1] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[2] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[2] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[3] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[3] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[4] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[4] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[5] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[5] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[6] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[6] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[7] = vec4<f16>();
    if (e < 256u && i * u.bt + r < u.seq && c4 < 32u) {
      f_dO[7] = dO[row_off(bh, i * u.bt + r, 128u) / 4u + c4];
    }
  }
var f_s_lse = 0.0;
var f_s_delta = 0.0;
    if (lid < 8u) {
      f_s_lse = rows[(bh * u.seq + min(i * u.bt + lid, u.seq - 1u)) * 4u] * 1.4426950408889634;
      f_s_delta = rows[(bh * u.seq + min(i * u.bt + lid, u.seq - 1u)) * 4u + 3u];
    }
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
      if (lid < 8u) { s_lse[lid] = f_s_lse; s_delta[lid] = f_s_delta; }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_q[(e / 32u) * 33u + e % 32u] = vec4f(f_q[7]); }
  }
  {
    let e = lid + 0u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[0]); }
  }
  {
    let e = lid + 1u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[1]); }
  }
  {
    let e = lid + 2u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[2]); }
  }
  {
    let e = lid + 3u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[3]); }
  }
  {
    let e = lid + 4u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[4]); }
  }
  {
    let e = lid + 5u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[5]); }
  }
  {
    let e = lid + 6u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[6]); }
  }
  {
    let e = lid + 7u * NT;
    if (e < 256u) { s_do[(e / 32u) * 33u + e % 32u] = vec4f(f_dO[7]); }
  }
    workgroupBarrier();

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[0] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[0] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[1] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[1] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[2] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[2] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[3] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[3] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[4] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[4] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[5] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[5] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[6] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[6] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_q[7] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_q[7] = q[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }

  {
    let e = lid + 0u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[0] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[0] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 1u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[1] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[1] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 2u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[2] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[2] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 3u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[3] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[3] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 4u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[4] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[4] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 5u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[5] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[5] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 6u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[6] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[6] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
  {
    let e = lid + 7u * NT;
    let r = e / 32u;
    let c4 = e % 32u;
    f_dO[7] = vec4<f16>();
    if (e < 256u && select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r < u.seq && c4 < 32u) {
      f_dO[7] = dO[row_off(bh, select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + r, 128u) / 4u + c4];
    }
  }
    if (lid < 8u) {
      f_s_lse = rows[(bh * u.seq + min(select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + lid, u.seq - 1u)) * 4u] * 1.4426950408889634;
      f_s_delta = rows[(bh * u.seq + min(select(i_next * u.bt, r0 + BC, r0 + BC < block_end) + lid, u.seq - 1u)) * 4u + 3u];
    }
      var b_s = array<array<f32, 2>, 2>(); // Sᵀ: [own keys][queries], then Pᵀ
      
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_k[(tr + 0u * TR) * 33u + d4];
    let a1 = s_k[(tr + 1u * TR) * 33u + d4];
    let b0 = s_q[(tc + 0u * TC) * 33u + d4];
    let b1 = s_q[(tc + 1u * TC) * 33u + d4];
    b_s[0][0] = fma(a0.w, b0.w, fma(a0.z, b0.z, fma(a0.y, b0.y, fma(a0.x, b0.x, b_s[0][0]))));
    b_s[0][1] = fma(a0.w, b1.w, fma(a0.z, b1.z, fma(a0.y, b1.y, fma(a0.x, b1.x, b_s[0][1]))));
    b_s[1][0] = fma(a1.w, b0.w, fma(a1.z, b0.z, fma(a1.y, b0.y, fma(a1.x, b0.x, b_s[1][0]))));
    b_s[1][1] = fma(a1.w, b1.w, fma(a1.z, b1.z, fma(a1.y, b1.y, fma(a1.x, b1.x, b_s[1][1]))));
  }
      var b_dp = array<array<f32, 2>, 2>(); // dPᵀ = V dOᵀ, then dSᵀ
      
  for (var d4 = 0u; d4 < 32u; d4++) {
    let a0 = s_v[(tr + 0u * TR) * 33u + d4];
    let a1 = s_v[(tr + 1u * TR) * 33u + d4];
    let b0 = s_do[(tc + 0u * TC) * 33u + d4];
    let b1 = s_do[(tc + 1u * TC) * 33u + d4];
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
      let x0 = s_do[c * 33u + tc + 0u * TC];
      let x1 = s_do[c * 33u + tc + 1u * TC];
      let x2 = s_do[c * 33u + tc + 2u * TC];
      let x3 = s_do[c * 33u + tc + 3u * TC];
      let x4 = s_do[c * 33u + tc + 4u * TC];
      let x5 = s_do[c * 33u + tc + 5u * TC];
      let x6 = s_do[c * 33u + tc + 6u * TC];
      let x7 = s_do[c * 33u + tc + 7u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[0][4] = fma(vec4f(p0), x4, b_dv[0][4]);
      b_dv[0][5] = fma(vec4f(p0), x5, b_dv[0][5]);
      b_dv[0][6] = fma(vec4f(p0), x6, b_dv[0][6]);
      b_dv[0][7] = fma(vec4f(p0), x7, b_dv[0][7]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
      b_dv[1][4] = fma(vec4f(p1), x4, b_dv[1][4]);
      b_dv[1][5] = fma(vec4f(p1), x5, b_dv[1][5]);
      b_dv[1][6] = fma(vec4f(p1), x6, b_dv[1][6]);
      b_dv[1][7] = fma(vec4f(p1), x7, b_dv[1][7]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_s[0][1], lane);
      let p1 = subgroupShuffle(b_s[1][1], lane);
      let x0 = s_do[c * 33u + tc + 0u * TC];
      let x1 = s_do[c * 33u + tc + 1u * TC];
      let x2 = s_do[c * 33u + tc + 2u * TC];
      let x3 = s_do[c * 33u + tc + 3u * TC];
      let x4 = s_do[c * 33u + tc + 4u * TC];
      let x5 = s_do[c * 33u + tc + 5u * TC];
      let x6 = s_do[c * 33u + tc + 6u * TC];
      let x7 = s_do[c * 33u + tc + 7u * TC];
      b_dv[0][0] = fma(vec4f(p0), x0, b_dv[0][0]);
      b_dv[0][1] = fma(vec4f(p0), x1, b_dv[0][1]);
      b_dv[0][2] = fma(vec4f(p0), x2, b_dv[0][2]);
      b_dv[0][3] = fma(vec4f(p0), x3, b_dv[0][3]);
      b_dv[0][4] = fma(vec4f(p0), x4, b_dv[0][4]);
      b_dv[0][5] = fma(vec4f(p0), x5, b_dv[0][5]);
      b_dv[0][6] = fma(vec4f(p0), x6, b_dv[0][6]);
      b_dv[0][7] = fma(vec4f(p0), x7, b_dv[0][7]);
      b_dv[1][0] = fma(vec4f(p1), x0, b_dv[1][0]);
      b_dv[1][1] = fma(vec4f(p1), x1, b_dv[1][1]);
      b_dv[1][2] = fma(vec4f(p1), x2, b_dv[1][2]);
      b_dv[1][3] = fma(vec4f(p1), x3, b_dv[1][3]);
      b_dv[1][4] = fma(vec4f(p1), x4, b_dv[1][4]);
      b_dv[1][5] = fma(vec4f(p1), x5, b_dv[1][5]);
      b_dv[1][6] = fma(vec4f(p1), x6, b_dv[1][6]);
      b_dv[1][7] = fma(vec4f(p1), x7, b_dv[1][7]);
    }
  }
      
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
    {
      let c = src + 0u * TC;
      let p0 = subgroupShuffle(b_dp[0][0], lane);
      let p1 = subgroupShuffle(b_dp[1][0], lane);
      let x0 = s_q[c * 33u + tc + 0u * TC];
      let x1 = s_q[c * 33u + tc + 1u * TC];
      let x2 = s_q[c * 33u + tc + 2u * TC];
      let x3 = s_q[c * 33u + tc + 3u * TC];
      let x4 = s_q[c * 33u + tc + 4u * TC];
      let x5 = s_q[c * 33u + tc + 5u * TC];
      let x6 = s_q[c * 33u + tc + 6u * TC];
      let x7 = s_q[c * 33u + tc + 7u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
    }
    {
      let c = src + 1u * TC;
      let p0 = subgroupShuffle(b_dp[0][1], lane);
      let p1 = subgroupShuffle(b_dp[1][1], lane);
      let x0 = s_q[c * 33u + tc + 0u * TC];
      let x1 = s_q[c * 33u + tc + 1u * TC];
      let x2 = s_q[c * 33u + tc + 2u * TC];
      let x3 = s_q[c * 33u + tc + 3u * TC];
      let x4 = s_q[c * 33u + tc + 4u * TC];
      let x5 = s_q[c * 33u + tc + 5u * TC];
      let x6 = s_q[c * 33u + tc + 6u * TC];
      let x7 = s_q[c * 33u + tc + 7u * TC];
      b_dk[0][0] = fma(vec4f(p0), x0, b_dk[0][0]);
      b_dk[0][1] = fma(vec4f(p0), x1, b_dk[0][1]);
      b_dk[0][2] = fma(vec4f(p0), x2, b_dk[0][2]);
      b_dk[0][3] = fma(vec4f(p0), x3, b_dk[0][3]);
      b_dk[0][4] = fma(vec4f(p0), x4, b_dk[0][4]);
      b_dk[0][5] = fma(vec4f(p0), x5, b_dk[0][5]);
      b_dk[0][6] = fma(vec4f(p0), x6, b_dk[0][6]);
      b_dk[0][7] = fma(vec4f(p0), x7, b_dk[0][7]);
      b_dk[1][0] = fma(vec4f(p1), x0, b_dk[1][0]);
      b_dk[1][1] = fma(vec4f(p1), x1, b_dk[1][1]);
      b_dk[1][2] = fma(vec4f(p1), x2, b_dk[1][2]);
      b_dk[1][3] = fma(vec4f(p1), x3, b_dk[1][3]);
      b_dk[1][4] = fma(vec4f(p1), x4, b_dk[1][4]);
      b_dk[1][5] = fma(vec4f(p1), x5, b_dk[1][5]);
      b_dk[1][6] = fma(vec4f(p1), x6, b_dk[1][6]);
      b_dk[1][7] = fma(vec4f(p1), x7, b_dk[1][7]);
    }
  }
    }
  }

  if (t0 + tr + 0u * TR < u.nt) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dkc + ((split * u.n_bh + bh) * u.nt + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[0][7][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.nt) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dkc + ((split * u.n_bh + bh) * u.nt + key) * u.dk;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = u.scale * b_dk[1][7][3]; }
    }
  }

  if (t0 + tr + 0u * TR < u.nt) {
    let key = t0 + tr + 0u * TR;
    let o_row = u.off_dvc + ((split * u.n_bh + bh) * u.nt + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[0][7][3]; }
    }
  }

  if (t0 + tr + 1u * TR < u.nt) {
    let key = t0 + tr + 1u * TR;
    let o_row = u.off_dvc + ((split * u.n_bh + bh) * u.nt + key) * u.dv;
    {
      let col = (tc + 0u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][0]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][1]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][2]; }
    }
    {
      let col = (tc + 0u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][0][3]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][0]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][1]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][2]; }
    }
    {
      let col = (tc + 1u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][1][3]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][0]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][1]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][2]; }
    }
    {
      let col = (tc + 2u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][2][3]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][0]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][1]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][2]; }
    }
    {
      let col = (tc + 3u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][3][3]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][0]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][1]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][2]; }
    }
    {
      let col = (tc + 4u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][4][3]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][0]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][1]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][2]; }
    }
    {
      let col = (tc + 5u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][5][3]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][0]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][1]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][2]; }
    }
    {
      let col = (tc + 6u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][6][3]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 0u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][0]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 1u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][1]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 2u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][2]; }
    }
    {
      let col = (tc + 7u * TC) * 4u + 3u;
      if (col < 128u) { grads[o_row + col] = 1.0 * b_dv[1][7][3]; }
    }
  }
  }
}
