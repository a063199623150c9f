

enable f16;
@group(0) @binding(0) var<storage, read> q: array<f16>;
@group(0) @binding(1) var<storage, read> k: array<f16>;
@group(0) @binding(2) var<storage, read> v: array<f16>;
@group(0) @binding(3) var<storage, read_write> chunk: array<f32>;
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
@group(0) @binding(4) var<uniform> u: Params;
alias io = f16;

fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return ((bh / u.heads) * u.seq + t) * u.heads * d + (bh % u.heads) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg); // = bh * nt + n
  if (g >= u.n_bh * u.nt) { return; }
  let bh = g / u.nt;
  let n = g % u.nt;
  let t0 = n * u.bt;
  let len = chunk_len(n);
  for (var f = lid; f < u.dk; f += 64u) {
    var sq = 0.0;
    var sk = 0.0;
    for (var t = t0; t < t0 + len; t++) {
      let o = row_off(bh, t, u.dk) + f;
      sq += f32(q[o]);
      sk += f32(k[o]);
    }
    chunk[g * u.dk + f] = sq / f32(len);
    chunk[u.off_kc + g * u.dk + f] = sk / f32(len);
  }
  for (var f = lid; f < u.dv; f += 64u) {
    var sv = 0.0;
    for (var t = t0; t < t0 + len; t++) { sv += f32(v[row_off(bh, t, u.dv) + f]); }
    chunk[u.off_vc + g * u.dv + f] = sv;
  }
}
