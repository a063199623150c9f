enable f16;


@group(0) @binding(0) var<storage, read> dy: array<f16>;
@group(0) @binding(1) var<storage, read> weight: array<f16>;
@group(0) @binding(2) var<storage, read_write> dx: array<f16>;
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


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.batch * u.h * u.w * u.c) { return; }
  let hw = u.h * u.w;
  let ch = i % u.c;
  let tok = (i / u.c) % hw;
  let bi = i / (u.c * hw);
  let row = i32(tok / u.w);
  let col = i32(tok % u.w);
  let half = i32(u.k / 2u);
  let wc = ch % u.cw;
  var acc = 0.0;
  for (var a = 0; a < i32(u.k); a++) {
    let r = row - (a - half);
    if (r < 0 || r >= i32(u.h)) { continue; }
    for (var b = 0; b < i32(u.k); b++) {
      let s = col - (b - half);
      if (s < 0 || s >= i32(u.w)) { continue; }
      acc += f32(weight[(wc * u.k + u32(a)) * u.k + u32(b)]) *
        f32(dy[(bi * hw + u32(r) * u.w + u32(s)) * u.c + ch]);
    }
  }
  dx[i] = f16(acc);
}