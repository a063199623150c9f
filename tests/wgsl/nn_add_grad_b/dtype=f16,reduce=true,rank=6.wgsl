enable f16;


@group(0) @binding(0) var<storage, read> in_a: array<f16>;
@group(0) @binding(1) var<storage, read> in_b: array<f16>;
@group(0) @binding(2) var<storage, read> in_dy: array<f16>;
@group(0) @binding(3) var<storage, read_write> d: array<f32>;
struct Params {
  n: u32,
  r: u32,
  chunk: u32,
  chunks: u32,
  alpha: f32,
  dim0: u32,
  dim1: u32,
  dim2: u32,
  dim3: u32,
  dim4: u32,
  dim5: u32,
  as0: u32,
  as1: u32,
  as2: u32,
  as3: u32,
  as4: u32,
  as5: u32,
  bs0: u32,
  bs1: u32,
  bs2: u32,
  bs3: u32,
  bs4: u32,
  bs5: u32,
  os0: u32,
  os1: u32,
  os2: u32,
  os3: u32,
  os4: u32,
  os5: u32,
  xd0: u32,
  xd1: u32,
  xd2: u32,
  xd3: u32,
  xd4: u32,
  xd5: u32,
}
@group(0) @binding(4) var<uniform> u: Params;
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

fn coords(j: u32, k: u32) -> vec3u {
  var jr = j; var kr = k; var o = vec3u(0u);
  { var c = 0u; if (u.xd5 == u.dim5) { c = jr % u.xd5; jr = jr / u.xd5; } else { c = kr % u.dim5; kr = kr / u.dim5; } o += c * vec3u(u.as5, u.bs5, u.os5); }
  { var c = 0u; if (u.xd4 == u.dim4) { c = jr % u.xd4; jr = jr / u.xd4; } else { c = kr % u.dim4; kr = kr / u.dim4; } o += c * vec3u(u.as4, u.bs4, u.os4); }
  { var c = 0u; if (u.xd3 == u.dim3) { c = jr % u.xd3; jr = jr / u.xd3; } else { c = kr % u.dim3; kr = kr / u.dim3; } o += c * vec3u(u.as3, u.bs3, u.os3); }
  { var c = 0u; if (u.xd2 == u.dim2) { c = jr % u.xd2; jr = jr / u.xd2; } else { c = kr % u.dim2; kr = kr / u.dim2; } o += c * vec3u(u.as2, u.bs2, u.os2); }
  { var c = 0u; if (u.xd1 == u.dim1) { c = jr % u.xd1; jr = jr / u.xd1; } else { c = kr % u.dim1; kr = kr / u.dim1; } o += c * vec3u(u.as1, u.bs1, u.os1); }
  { var c = 0u; if (u.xd0 == u.dim0) { c = jr % u.xd0; jr = jr / u.xd0; } else { c = kr % u.dim0; kr = kr / u.dim0; } o += c * vec3u(u.as0, u.bs0, u.os0); }
  return o;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.n * u.chunks) { return; }
  let j = g / u.chunks;
  let first = (g % u.chunks) * u.chunk;
  let last = min(first + u.chunk, u.r);
  var acc = 0.0;
  for (var k = first + lid; k < last; k += 64u) {
    let o = coords(j, k);
    let a = f32(in_a[o.x]); let b = f32(in_b[o.y]); let dy = f32(in_dy[o.z]);
    acc += dy;
  }
  let total = wg_sum(lid, acc);
  if (lid == 0u) { d[g] = total; }
}