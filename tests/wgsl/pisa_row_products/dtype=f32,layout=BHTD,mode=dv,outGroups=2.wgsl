


@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> chunk: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
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
alias io = f32;

fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn row_off(bh: u32, t: u32, d: u32) -> u32 { return (bh * u.seq + t) * d; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }

var<workgroup> s_x: array<f32, 1024>; // [64 rows][16 of din]
var<workgroup> s_m: array<f32, 512>; // [16 of din][16·M of dout]


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
  var acc: array<array<f32, 2>, 4>; // [row ty + 16i][output column tx + 16m]
  for (var e0 = 0u; e0 < u.dk; e0 += 16u) {
    for (var idx = lid; idx < 1024u; idx += 256u) {
      let tc = min(r0 + idx / 16u, u.seq - 1u);
      let n = tc / u.bt;
      let ec = min(e0 + idx % 16u, u.dk - 1u);
      s_x[idx] = select(0.0, f32(xs[row_off(bh, tc, u.dk) + ec]) - chunk[u.off_kc + (bh * u.nt + n) * u.dk + ec], e0 + idx % 16u < u.dk);
    }
    for (var idx = lid; idx < 512u; idx += 256u) {
      let col = min(idx % 32u, u.dv - 1u);
      let ec = min(e0 + idx / 32u, u.dk - 1u);
      s_m[idx] = select(0.0, grads[u.off_dh + (bh * u.dk + ec) * u.dv + col], e0 + idx / 32u < u.dk);
    }
    workgroupBarrier();
    for (var e = 0u; e < 16u; e++) {
      let m0 = s_m[e * 32u + tx + 0u];
      let m1 = s_m[e * 32u + tx + 16u];
      {
        let xe = s_x[(ty + 0u) * 16u + e];
        acc[0][0] = fma(xe, m0, acc[0][0]);
        acc[0][1] = fma(xe, m1, acc[0][1]);
      }
      {
        let xe = s_x[(ty + 16u) * 16u + e];
        acc[1][0] = fma(xe, m0, acc[1][0]);
        acc[1][1] = fma(xe, m1, acc[1][1]);
      }
      {
        let xe = s_x[(ty + 32u) * 16u + e];
        acc[2][0] = fma(xe, m0, acc[2][0]);
        acc[2][1] = fma(xe, m1, acc[2][1]);
      }
      {
        let xe = s_x[(ty + 48u) * 16u + e];
        acc[3][0] = fma(xe, m0, acc[3][0]);
        acc[3][1] = fma(xe, m1, acc[3][1]);
      }
    }
    workgroupBarrier();
  }
  {
    let t = r0 + ty + 0u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    {
      let col = tx + 0u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[0][0]);
      }
    }
    {
      let col = tx + 16u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[0][1]);
      }
    }
  }

  {
    let t = r0 + ty + 16u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    {
      let col = tx + 0u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[1][0]);
      }
    }
    {
      let col = tx + 16u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[1][1]);
      }
    }
  }

  {
    let t = r0 + ty + 32u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    {
      let col = tx + 0u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[2][0]);
      }
    }
    {
      let col = tx + 16u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[2][1]);
      }
    }
  }

  {
    let t = r0 + ty + 48u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;
    {
      let col = tx + 0u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[3][0]);
      }
    }
    {
      let col = tx + 16u;
      if (t < u.seq && col < u.dv) {
        let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }
        out[row_off(bh, t, u.dv) + col] = io(exact + chunk_part + acc[3][1]);
      }
    }
  }
}
