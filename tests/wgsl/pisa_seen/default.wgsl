

@group(0) @binding(0) var<storage, read> sel: array<u32>;
@group(0) @binding(1) var<storage, read_write> seen: array<u32>;
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
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }


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

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let words = (u.nt + 31u) / 32u;
  let idx = flat_group(wid, nwg) * 256u + lid; // (bh·NT + n)·W + w
  if (idx >= u.n_bh * u.nt * words) { return; }
  let bh = idx / (u.nt * words);
  let n = (idx / words) % u.nt;
  let i0 = (idx % words) * 32u;
  var bits = 0u;
  for (var b = 0u; b < min(32u, u.nt - i0); b++) {
    if (is_selected((bh * u.nt + i0 + b) * u.top_k, n)) { bits |= 1u << b; }
  }
  seen[idx] = bits;
}
