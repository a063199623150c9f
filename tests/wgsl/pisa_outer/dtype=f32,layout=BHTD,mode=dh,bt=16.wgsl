


alias io = f32;
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


fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return (bh * u.seq + t) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }

@group(0) @binding(0) var<storage, read> xs: array<io>;
@group(0) @binding(1) var<storage, read> ys: array<io>;
@group(0) @binding(2) var<storage, read> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
var<workgroup> s_x: array<f32, 1024>; // [SB rows][64 of dk]
var<workgroup> s_y: array<f32, 1024>; // [SB rows][64 of dv]
var<workgroup> s_red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * u.n_groups * u.n_tiles) { return; }
  let tile = g % u.n_tiles;
  let grp = (g / u.n_tiles) % u.n_groups;
  let bh = g / (u.n_tiles * u.n_groups);
  let a0 = (tile / u.n_tiles_dv) * 64u;
  let b0 = (tile % u.n_tiles_dv) * 64u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let row_end = min(u.seq, (grp + 1u) * u.group_rows);
  var total: array<f32, 16>; // [a = ty + 16i][b = tx + 16j] at i * 4 + j
  for (var c0 = grp * u.group_rows; c0 < row_end; c0 += u.bt) {
    let n = c0 / u.bt;
    let c_end = min(c0 + u.bt, u.seq);
    var acc: array<f32, 16>;
    for (var e = 0u; e < 16u; e++) { acc[e] = 0.0; } // zero per iteration
    for (var s0 = c0; s0 < c_end; s0 += 16u) {
      for (var e = lid; e < 1024u; e += 256u) {
        let r = e / 64u;
        let t = s0 + r;
        let tc = min(t, c_end - 1u);
        let ac = min(a0 + e % 64u, u.dk - 1u);
        let bc = min(b0 + e % 64u, u.dv - 1u);
        s_x[e] = select(0.0, aux[(bh * u.seq + tc) * 4u + 1u] * f32(xs[row_off(bh, tc, u.dk) + ac]), t < c_end && a0 + e % 64u < u.dk);
        s_y[e] = select(0.0, f32(ys[row_off(bh, tc, u.dv) + bc]), t < c_end && b0 + e % 64u < u.dv);
      }
      workgroupBarrier();
      for (var r = 0u; r < 16u; r++) {
        for (var i = 0u; i < 4u; i++) {
          let x = s_x[r * 64u + ty + 16u * i];
          for (var j = 0u; j < 4u; j++) {
            acc[i * 4u + j] = fma(x, s_y[r * 64u + tx + 16u * j], acc[i * 4u + j]);
          }
        }
      }
      workgroupBarrier();
    }
    var sq = 0.0;
    for (var e = 0u; e < 16u; e++) {
      total[e] += acc[e];
      sq += acc[e] * acc[e];
    }

  }
  for (var i = 0u; i < 4u; i++) {
    let a = a0 + ty + 16u * i;
    for (var j = 0u; j < 4u; j++) {
      let b = b0 + tx + 16u * j;
      if (a < u.dk && b < u.dv) {
        part[((bh * u.n_groups + grp) * u.dk + a) * u.dv + b] = total[i * 4u + j];
      }
    }
  }
}
