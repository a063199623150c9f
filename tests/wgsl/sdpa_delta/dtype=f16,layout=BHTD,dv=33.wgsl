
enable f16;

@group(0) @binding(0) var<storage, read> o: array<f16>;
@group(0) @binding(1) var<storage, read> d_o: array<f16>;
@group(0) @binding(2) var<storage, read_write> delta: array<f32>;
struct Params {
  rows: u32,
  heads: u32,
  lq: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

const D = 33u;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 64u + lid; // row index bh·lq + t
  if (i >= u.rows) { return; }
  let bh = i / u.lq;
  let t = i % u.lq;
  let base = i * D;
  var acc = 0.0;
  for (var d = 0u; d < D; d++) { acc = fma(f32(o[base + d]), f32(d_o[base + d]), acc); }
  delta[i] = acc;
}
