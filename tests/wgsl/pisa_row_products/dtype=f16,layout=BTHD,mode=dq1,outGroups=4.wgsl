

enable f16;
@group(0) @binding(0) var<storage, read> dO: array<f16>;
@group(0) @binding(1) var<storage, read> xs: array<f16>;
@group(0) @binding(2) var<storage, read> chunk: array<f32>;
@group(0) @binding(3) var<storage, read_write> rows: array<f32>;
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

var<workgroup> s_x: array<f32, 1024>; // [64 rows][16 of din]
var<workgroup> s_m: array<f32, 1024>; // [16 of din][16·M of dout]
var<workgroup> s_red: array<vec2f, 1024>; // [64 rows][16 threads]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let row_tiles = (u.seq + 63u) / 64u;
  if (g >= u.n_bh * row_tiles) { return; }
  let bh = g / row_tiles;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let r0 = (g % row_tiles) * 64u;
  var acc: array<array<f32, 4>, 4>; // [row ty + 16i][output column tx + 16m]
  for (var e0 = 0u; e0 < u.dv; e0 += 16u) {
    for (var idx = lid; idx < 1024u; idx += 256u) {
      let tc = min(r0 + idx / 16u, u.seq - 1u);
      let n = tc / u.bt;
      let ec = min(e0 + idx % 16u, u.dv - 1u);
      s_x[idx] = select(0.0, f32(dO[row_off(bh, tc, u.dv) + ec]), e0 + idx % 16u < u.dv);
    }
    for (var idx = lid; idx < 1024u; idx += 256u) {
      let col = min(idx % 64u, u.dk - 1u);
      let ec = min(e0 + idx / 64u, u.dv - 1u);
      s_m[idx] = select(0.0, chunk[u.off_h + (bh * u.dk + col) * u.dv + ec], e0 + idx / 64u < u.dv);
    }
    workgroupBarrier();
    for (var e = 0u; e < 16u; e++) {
      let m0 = s_m[e * 64u + tx + 0u];
      let m1 = s_m[e * 64u + tx + 16u];
      let m2 = s_m[e * 64u + tx + 32u];
      let m3 = s_m[e * 64u + tx + 48u];
      {
        let xe = s_x[(ty + 0u) * 16u + e];
        acc[0][0] = fma(xe, m0, acc[0][0]);
        acc[0][1] = fma(xe, m1, acc[0][1]);
        acc[0][2] = fma(xe, m2, acc[0][2]);
        acc[0][3] = fma(xe, m3, acc[0][3]);
      }
      {
        let xe = s_x[(ty + 16u) * 16u + e];
        acc[1][0] = fma(xe, m0, acc[1][0]);
        acc[1][1] = fma(xe, m1, acc[1][1]);
        acc[1][2] = fma(xe, m2, acc[1][2]);
        acc[1][3] = fma(xe, m3, acc[1][3]);
      }
      {
        let xe = s_x[(ty + 32u) * 16u + e];
        acc[2][0] = fma(xe, m0, acc[2][0]);
        acc[2][1] = fma(xe, m1, acc[2][1]);
        acc[2][2] = fma(xe, m2, acc[2][2]);
        acc[2][3] = fma(xe, m3, acc[2][3]);
      }
      {
        let xe = s_x[(ty + 48u) * 16u + e];
        acc[3][0] = fma(xe, m0, acc[3][0]);
        acc[3][1] = fma(xe, m1, acc[3][1]);
        acc[3][2] = fma(xe, m2, acc[3][2]);
        acc[3][3] = fma(xe, m3, acc[3][3]);
      }
    }
    workgroupBarrier();
  }
  // D_t = dO_t·o_t and q_t·y_t, reduced over the row's 16 threads.
  {
    let t = r0 + ty + 0u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    var d_part = 0.0;
    for (var c = tx; c < u.dv; c += 16u) {
      d_part += f32(dO[row_off(bh, tc, u.dv) + c]) * rows[u.off_o32 + (bh * u.seq + tc) * u.dv + c];
    }
    var gh_part = 0.0;
    let w = rows[(bh * u.seq + tc) * 4u + 1u];
    {
      let col = tx + 0u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[0][0];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[0][0]; }
      }
    }
    {
      let col = tx + 16u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[0][1];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[0][1]; }
      }
    }
    {
      let col = tx + 32u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[0][2];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[0][2]; }
      }
    }
    {
      let col = tx + 48u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[0][3];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[0][3]; }
      }
    }
    s_red[(ty + 0u) * 16u + tx] = vec2f(d_part, gh_part);
  }
  {
    let t = r0 + ty + 16u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    var d_part = 0.0;
    for (var c = tx; c < u.dv; c += 16u) {
      d_part += f32(dO[row_off(bh, tc, u.dv) + c]) * rows[u.off_o32 + (bh * u.seq + tc) * u.dv + c];
    }
    var gh_part = 0.0;
    let w = rows[(bh * u.seq + tc) * 4u + 1u];
    {
      let col = tx + 0u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[1][0];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[1][0]; }
      }
    }
    {
      let col = tx + 16u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[1][1];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[1][1]; }
      }
    }
    {
      let col = tx + 32u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[1][2];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[1][2]; }
      }
    }
    {
      let col = tx + 48u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[1][3];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[1][3]; }
      }
    }
    s_red[(ty + 16u) * 16u + tx] = vec2f(d_part, gh_part);
  }
  {
    let t = r0 + ty + 32u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    var d_part = 0.0;
    for (var c = tx; c < u.dv; c += 16u) {
      d_part += f32(dO[row_off(bh, tc, u.dv) + c]) * rows[u.off_o32 + (bh * u.seq + tc) * u.dv + c];
    }
    var gh_part = 0.0;
    let w = rows[(bh * u.seq + tc) * 4u + 1u];
    {
      let col = tx + 0u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[2][0];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[2][0]; }
      }
    }
    {
      let col = tx + 16u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[2][1];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[2][1]; }
      }
    }
    {
      let col = tx + 32u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[2][2];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[2][2]; }
      }
    }
    {
      let col = tx + 48u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[2][3];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[2][3]; }
      }
    }
    s_red[(ty + 32u) * 16u + tx] = vec2f(d_part, gh_part);
  }
  {
    let t = r0 + ty + 48u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    var d_part = 0.0;
    for (var c = tx; c < u.dv; c += 16u) {
      d_part += f32(dO[row_off(bh, tc, u.dv) + c]) * rows[u.off_o32 + (bh * u.seq + tc) * u.dv + c];
    }
    var gh_part = 0.0;
    let w = rows[(bh * u.seq + tc) * 4u + 1u];
    {
      let col = tx + 0u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[3][0];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[3][0]; }
      }
    }
    {
      let col = tx + 16u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[3][1];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[3][1]; }
      }
    }
    {
      let col = tx + 32u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[3][2];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[3][2]; }
      }
    }
    {
      let col = tx + 48u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[3][3];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[3][3]; }
      }
    }
    s_red[(ty + 48u) * 16u + tx] = vec2f(d_part, gh_part);
  }
  workgroupBarrier();
  let t = r0 + lid;
  if (lid < 64u && t < u.seq) {
    var s = vec2f(0.0);
    for (var e = 0u; e < 16u; e++) { s += s_red[lid * 16u + e]; }
    rows[(bh * u.seq + t) * 4u + 2u] = s.x;
    rows[(bh * u.seq + t) * 4u + 3u] = s.x - u.scale * s.y / f32(u.seq);
  }
}
