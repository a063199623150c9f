enable f16;


@group(0) @binding(0) var<storage, read> x: array<f16>;
@group(0) @binding(1) var<storage, read> rot: array<f16>;
@group(0) @binding(2) var<storage, read_write> y: array<f16>;
struct Params {
  pairs: u32,
  n: u32,
  l: u32,
  f: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.pairs) { return; }
  let e = 2u * i;
  let ch = e % u.l;
  let tok = (e / u.l) % u.n;
  let t = 2u * (tok * (u.f / 2u) + (ch % u.f) / 2u);
  let c = f32(rot[t]);
  let s = f32(rot[t + 1u]);
  let x0 = f32(x[e]);
  let x1 = f32(x[e + 1u]);
  y[e] = f16(x0 * c - x1 * s);
  y[e + 1u] = f16(x0 * s + x1 * c);
}