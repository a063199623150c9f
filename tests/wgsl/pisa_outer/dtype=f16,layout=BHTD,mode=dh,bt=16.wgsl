

enable f16;
@group(0) @binding(0) var<storage, read> xs: array<f16>;
@group(0) @binding(1) var<storage, read> ys: array<f16>;
@group(0) @binding(2) var<storage, read> aux: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
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

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return (bh * u.seq + t) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }

var<workgroup> s_x: array<vec4f, 256>; // [SB rows][16 groups of 4 of dk]
var<workgroup> s_y: array<vec4f, 256>; // [SB rows][16 groups of 4 of dv]
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
  var total = array<vec4f, 4>(); // [a = 4ty + i][b = 4tx .. 4tx + 3]
  for (var c0 = grp * u.group_rows; c0 < row_end; c0 += u.bt) {
    let n = c0 / u.bt;
    let c_end = min(c0 + u.bt, u.seq);
    var acc = array<vec4f, 4>(vec4f(), vec4f(), vec4f(), vec4f()); // this chunk's hc (tile)
    for (var s0 = c0; s0 < c_end; s0 += 16u) {
      for (var e = lid; e < 256u; e += 256u) {
        let t = s0 + e / 16u;
        let tc = min(t, c_end - 1u);
        var x = vec4f();
        var y = vec4f();
        for (var l = 0u; l < 4u; l++) {
          let a = a0 + (e % 16u) * 4u + l;
          let b = b0 + (e % 16u) * 4u + l;
          let ac = min(a, u.dk - 1u);
          let bc = min(b, u.dv - 1u);
          x[l] = select(0.0, aux[(bh * u.seq + tc) * 4u + 1u] * f32(xs[row_off(bh, tc, u.dk) + ac]), t < c_end && a < u.dk);
          y[l] = select(0.0, f32(ys[row_off(bh, tc, u.dv) + bc]), t < c_end && b < u.dv);
        }
        s_x[e] = x;
        s_y[e] = y;
      }
      workgroupBarrier();
      for (var r = 0u; r < 16u; r++) {
        let x = s_x[r * 16u + ty];
        let y = s_y[r * 16u + tx];
        acc[0] = fma(vec4f(x[0]), y, acc[0]);
        acc[1] = fma(vec4f(x[1]), y, acc[1]);
        acc[2] = fma(vec4f(x[2]), y, acc[2]);
        acc[3] = fma(vec4f(x[3]), y, acc[3]);
      }
      workgroupBarrier();
    }
    total[0] += acc[0];
    total[1] += acc[1];
    total[2] += acc[2];
    total[3] += acc[3];

  }
  {
    let a = a0 + 4u * ty + 0u;
    for (var l = 0u; l < 4u; l++) {
      let b = b0 + 4u * tx + l;
      if (a < u.dk && b < u.dv) {
        part[((bh * u.n_groups + grp) * u.dk + a) * u.dv + b] = total[0][l];
      }
    }
  }
  {
    let a = a0 + 4u * ty + 1u;
    for (var l = 0u; l < 4u; l++) {
      let b = b0 + 4u * tx + l;
      if (a < u.dk && b < u.dv) {
        part[((bh * u.n_groups + grp) * u.dk + a) * u.dv + b] = total[1][l];
      }
    }
  }
  {
    let a = a0 + 4u * ty + 2u;
    for (var l = 0u; l < 4u; l++) {
      let b = b0 + 4u * tx + l;
      if (a < u.dk && b < u.dv) {
        part[((bh * u.n_groups + grp) * u.dk + a) * u.dv + b] = total[2][l];
      }
    }
  }
  {
    let a = a0 + 4u * ty + 3u;
    for (var l = 0u; l < 4u; l++) {
      let b = b0 + 4u * tx + l;
      if (a < u.dk && b < u.dv) {
        part[((bh * u.n_groups + grp) * u.dk + a) * u.dv + b] = total[3][l];
      }
    }
  }
}
