// Batched matrix product out[bt, i, j] = sum_kk A(bt, i, kk) * B(bt, kk, j) (see src/kernels/matmul.ts).
//
// Register tiling without workgroup memory: each invocation computes a TM x TN block of outputs,
// reading A and B straight from storage through strides, so transposes (and batch stride 0) are
// only index math:
//   A(bt, i, kk) = a[bt * aBatch + i * aSi + kk * aSk],  B(bt, kk, j) = b[bt * bBatch + kk * bSk + j * bSj].
// A workgroup of WGX x WGY invocations covers (WGY * TM) rows by (WGX * TN) columns. On a CPU
// Vulkan driver (lavapipe) a workgroup runs on one core as SIMD lanes and every lane's load is a
// gather, so a small workgroup with many outputs per invocation (8 x 8: 16 loads per 64 FMAs) is
// fastest; a discrete GPU may prefer other sizes: all four are pipeline-overridable (TM, TN <= MAXT). Edge invocations clamp their row/column indices for
// the loads (so the k loop has no branches) and skip the stores out of range.
//
// Workgroups are numbered linearly over (batch, row tile, column tile), column tile fastest, and
// the 1-D count is folded into 2-D by the context when it passes the per-dimension limit.

struct Params {
  m: u32,
  k: u32,
  n: u32,
  batch: u32,
  aSi: u32,
  aSk: u32,
  bSk: u32,
  bSj: u32,
  aBatch: u32,
  bBatch: u32,
  tilesN: u32,
  tilesM: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WGX: u32 = 8;
override WGY: u32 = 2;
override TM: u32 = 8;
override TN: u32 = 8;
const MAXT = 8u;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let w = wid.x + wid.y * nwg.x;
  let tiles = p.tilesN * p.tilesM;
  if (w >= tiles * p.batch) { return; }
  let bt = w / tiles;
  let tile = w % tiles;
  let row0 = ((tile / p.tilesN) * WGY + lid.y) * TM;
  let col0 = ((tile % p.tilesN) * WGX + lid.x) * TN;

  var aOff: array<u32, MAXT>;
  var bOff: array<u32, MAXT>;
  for (var r = 0u; r < TM; r++) { aOff[r] = bt * p.aBatch + min(row0 + r, p.m - 1u) * p.aSi; }
  for (var c = 0u; c < TN; c++) { bOff[c] = bt * p.bBatch + min(col0 + c, p.n - 1u) * p.bSj; }

  var acc: array<f32, MAXT * MAXT>;
  var av: array<f32, MAXT>;
  var bv: array<f32, MAXT>;
  for (var kk = 0u; kk < p.k; kk++) {
    for (var r = 0u; r < TM; r++) { av[r] = a[aOff[r]]; aOff[r] += p.aSk; }
    for (var c = 0u; c < TN; c++) { bv[c] = b[bOff[c]]; bOff[c] += p.bSk; }
    for (var r = 0u; r < TM; r++) {
      for (var c = 0u; c < TN; c++) {
        acc[r * MAXT + c] = fma(av[r], bv[c], acc[r * MAXT + c]);
      }
    }
  }

  let ob = bt * p.m * p.n;
  for (var r = 0u; r < TM; r++) {
    let i = row0 + r;
    if (i >= p.m) { break; }
    for (var c = 0u; c < TN; c++) {
      let j = col0 + c;
      if (j >= p.n) { break; }
      out[ob + i * p.n + j] = acc[r * MAXT + c];
    }
  }
}

// ---- transpose -------------------------------------------------------------------------------
// tout[bt, c, r] = tin[bt * inStride + r * cols + c] for bt < batch: the wrapper uses it to turn a
// large transposed b into the row-major layout the main kernel streams best (on lavapipe, reading
// it in place runs about 2x slower at 1024^3, its rows colliding in the caches).
struct TParams {
  rows: u32,
  cols: u32,
  batch: u32,
  inStride: u32,
}

@group(0) @binding(4) var<uniform> tp: TParams;
@group(0) @binding(5) var<storage, read> tin: array<f32>;
@group(0) @binding(6) var<storage, read_write> tout: array<f32>;

override TWG: u32 = 64;

@compute @workgroup_size(TWG)
fn transpose(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * TWG + lid;
  let per = tp.rows * tp.cols;
  if (g >= per * tp.batch) { return; }
  let bt = g / per;
  let e = g % per;
  let c = e / tp.rows;
  let r = e % tp.rows;
  tout[g] = tin[bt * tp.inStride + r * tp.cols + c];
}
