enable f16;


@group(0) @binding(0) var<storage, read> x: array<f16>;
@group(0) @binding(1) var<storage, read> dy: array<f16>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
struct Params {
  batch: u32,
  h: u32,
  w: u32,
  c: u32,
  cw: u32,
  k: u32,
  chunk: u32,
  chunks: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

var<workgroup> s_sum: array<f32, 64>;
fn wg_sum(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  s_sum[lid] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w / 2u) {
    if (lid < w) { s_sum[lid] = s_sum[lid] + s_sum[lid + w]; }
    workgroupBarrier();
  }
  let total = s_sum[0];
  workgroupBarrier();
  return total;
}


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let taps = u.k * u.k + 1u;
  if (g >= u.cw * taps * u.chunks) { return; }
  let wc = g / (taps * u.chunks);
  let tap = (g / u.chunks) % taps;
  let hw = u.h * u.w;
  let half = i32(u.k / 2u);
  let da = i32(tap / u.k) - half;
  let db = i32(tap % u.k) - half;
  let groups = u.c / u.cw;
  let first = (g % u.chunks) * u.chunk;
  let last = min(first + u.chunk, u.batch * hw * groups);
  var acc = 0.0;
  for (var j = first + lid; j < last; j += 64u) {
    let ch = (j % groups) * u.cw + wc;
    let tok = (j / groups) % hw;
    let bi = j / (groups * hw);
    let d = f32(dy[(bi * hw + tok) * u.c + ch]);
    if (tap == u.k * u.k) { acc += d; continue; }
    let r = i32(tok / u.w) + da;
    let s = i32(tok % u.w) + db;
    if (r < 0 || r >= i32(u.h) || s < 0 || s >= i32(u.w)) { continue; }
    acc += d * f32(x[(bi * hw + u32(r) * u.w + u32(s)) * u.c + ch]);
  }
  let total = wg_sum(lid, acc);
  let row = select(wc * u.k * u.k + tap, u.cw * u.k * u.k + wc, tap == u.k * u.k);
  if (lid == 0u) { partial[row * u.chunks + g % u.chunks] = total; }
}