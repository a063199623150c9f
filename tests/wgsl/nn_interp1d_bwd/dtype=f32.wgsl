

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
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
  if (i >= u.outer * u.n * u.c) { return; }
  let ch = i % u.c;
  let s = (i / u.c) % u.n;
  let o = i / (u.c * u.n);
  // Outputs reading source s have i0 ∈ {s − 1, s}: t within this range (clamped), rechecked.
  let lo = max(i32(floor((f32(s) - 0.5) / u.scale - 0.5)) - 1, 0);
  let hi = min(i32(ceil((f32(s) + 1.5) / u.scale - 0.5)) + 1, i32(u.big_n) - 1);
  var acc = 0.0;
  for (var t = lo; t <= hi; t++) {
    let tp = taps(u32(t));
    let d = f32(dy[(o * u.big_n + u32(t)) * u.c + ch]);
    if (tp.i0 == s) { acc += (1.0 - tp.l1) * d; }
    if (tp.i1 == s) { acc += tp.l1 * d; }
  }
  dx[i] = f32(acc);
}