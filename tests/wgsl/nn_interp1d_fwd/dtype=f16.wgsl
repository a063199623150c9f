enable f16;


@group(0) @binding(0) var<storage, read> x: array<f16>;
@group(0) @binding(1) var<storage, read_write> y: array<f16>;
struct Params {
  outer: u32,
  n: u32,
  big_n: u32,
  c: u32,
  scale: f32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

struct Taps { i0: u32, i1: u32, l1: f32 }
fn taps(t: u32) -> Taps {
  let src = max((f32(t) + 0.5) * u.scale - 0.5, 0.0);
  let i0 = min(u32(floor(src)), u.n - 1u);
  return Taps(i0, min(i0 + 1u, u.n - 1u), src - f32(i0));
}


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.outer * u.big_n * u.c) { return; }
  let ch = i % u.c;
  let t = (i / u.c) % u.big_n;
  let o = i / (u.c * u.big_n);
  let tp = taps(t);
  let x0 = f32(x[(o * u.n + tp.i0) * u.c + ch]);
  let x1 = f32(x[(o * u.n + tp.i1) * u.c + ch]);
  y[i] = f16((1.0 - tp.l1) * x0 + tp.l1 * x1);
}