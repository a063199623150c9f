

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
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

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let size = u.dk * u.dv;
  let idx = flat_group(wid, nwg) * 256u + lid;
  if (idx >= u.n_bh * size) { return; }
  let bh = idx / size;
  let e = idx % size;
  var s = 0.0;
  for (var grp = 0u; grp < u.n_groups; grp++) { s += part[(bh * u.n_groups + grp) * size + e]; }
  out[u.off_out + idx] = s;
}
