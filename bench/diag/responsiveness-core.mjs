// Diagnosis core (issue 12.3): how long does each long call hold the JavaScript thread, and what
// holds it? Shared by the Node driver (responsiveness.mjs) and the headless-Chromium driver
// (responsiveness-browser.mjs), which pass in the library's root namespace `A` (dist/index.js or
// the browser bundle). Plain JavaScript, no imports: the browser page loads it as a module.
//
// - Event-loop lag: a 1 ms interval timer records the gaps between its ticks; the longest gap
//   during a call is the longest the thread was held (a frozen tab in a browser). Browsers clamp
//   nested intervals to 4 ms, so a gap under ~5 ms there means "not held".
// - What holds it: the WebGPU entry points that may run synchronously (shader module and pipeline
//   creation, queue.submit, writeBuffer, bind groups, buffers, command encoding finish) are wrapped
//   on their prototypes and timed; for the longest gap the time spent in each is recorded, and the
//   rest is host JavaScript (mask building, the surrogate fit, op dispatch).
// - Each method runs twice: 'cold' (first use in this engine: pipelines are compiled) and 'warm'.

const WRAPPED = [
  [
    'GPUDevice',
    ['createShaderModule', 'createComputePipeline', 'createBindGroup', 'createBuffer', 'createBindGroupLayout', 'createPipelineLayout'],
  ],
  ['GPUQueue', ['submit', 'writeBuffer']],
  ['GPUCommandEncoder', ['finish']],
];

/** Wraps the WebGPU prototypes once; returns the accumulator of synchronous API time. */
export function instrumentWebGpu() {
  const acc = { since: {}, total: {}, maxCall: {} };
  for (const [cls, methods] of WRAPPED) {
    const C = globalThis[cls];
    if (!C?.prototype) continue;
    for (const m of methods) {
      const orig = C.prototype[m];
      if (typeof orig !== 'function' || orig.__diag) continue;
      const name = `${cls.slice(3)}.${m}`;
      const wrapped = function (...args) {
        const t0 = performance.now();
        try {
          return orig.apply(this, args);
        } finally {
          const dt = performance.now() - t0;
          acc.since[name] = (acc.since[name] ?? 0) + dt;
          acc.total[name] = (acc.total[name] ?? 0) + dt;
          acc.maxCall[name] = Math.max(acc.maxCall[name] ?? 0, dt);
        }
      };
      wrapped.__diag = true;
      C.prototype[m] = wrapped;
    }
  }
  return acc;
}

/** Runs fn under the lag monitor: { ms, worstMs, worstApi: {api: ms} for the worst gap, ticks }. */
export async function monitor(acc, fn) {
  let last = performance.now();
  let worst = { gap: 0, api: {} };
  let ticks = 0;
  const take = () => {
    const now = performance.now();
    const gap = now - last;
    if (gap > worst.gap) worst = { gap, api: { ...acc.since } };
    acc.since = {};
    last = now;
  };
  const timer = setInterval(() => {
    ticks++;
    take();
  }, 1);
  acc.since = {};
  const t0 = performance.now();
  last = t0;
  try {
    await fn();
    take();
    return {
      ms: +(performance.now() - t0).toFixed(1),
      worstMs: +worst.gap.toFixed(1),
      worstApi: Object.fromEntries(
        Object.entries(worst.api)
          .filter(([, v]) => v >= 1)
          .map(([k, v]) => [k, +v.toFixed(1)]),
      ),
      ticks,
    };
  } finally {
    clearInterval(timer);
  }
}

/** The workloads: small inputs on the genre CNN (3 s clip: [B, 1, 64, 301]). */
export function workloads(A, e, size = {}) {
  const T = size.frames ?? 301;
  const { xai, concepts, metrics, models } = A;
  const model = models.genreCNN(e, { seed: 0 }).eval();
  const x1 = e.randn([1, 1, 64, T], { seed: 11 });
  const x2 = e.randn([2, 1, 64, T], { seed: 12 });
  // Reads the first result (so the call's GPU work finishes inside its own row, not the next
  // one's), then disposes them all.
  const done = async (r) => {
    const ts = Array.isArray(r) ? r : [r];
    if (ts[0]?.read) await ts[0].read();
    for (const t of ts) t?.dispose?.();
  };
  const list = [
    ['saliency b2', async () => await done(await xai.saliency(model, x2, { target: 3 }))],
    ['IG b2 x 32 steps', async () => await done(await xai.integratedGradients(model, x2, { target: 3, steps: 32, warn: false }))],
    ['SmoothGrad b2 x 16', async () => await done(await xai.smoothGrad(model, x2, { target: 3, nSamples: 16, seed: 0 }))],
    [
      'Grad-CAM b8 conv3',
      async () => {
        const x8 = e.randn([8, 1, 64, T], { seed: 13 });
        const r = await xai.gradCam(model, x8, { target: 3, layer: 'conv3' });
        await done([r.map, r.layerMap, x8]);
      },
    ],
    [
      'occlusion b1, 55 windows',
      async () => await done(await xai.occlusion(model, x1, { target: 3, window: [1, 8, 12], strides: [1, 16, 30] })),
    ],
    [
      'featureAblation b1, 40 features',
      async () => {
        const ids = new Int32Array(64 * T);
        for (let m = 0; m < 64; m++) for (let t = 0; t < T; t++) ids[m * T + t] = Math.floor(m / 16) * 10 + Math.floor((t * 10) / T);
        const mask = e.tensor(ids, [1, 1, 64, T], 'int32');
        await done([await xai.featureAblation(model, x1, { target: 3, featureMask: mask }), mask]);
      },
    ],
    ['LIME 128 samples', async () => (await xai.lime(model, x1, { numSamples: 128, target: 3, seed: 0 })).dispose()],
    ['KernelSHAP 128 samples', async () => (await xai.kernelShap(model, x1, { numSamples: 128, target: 3, seed: 0 })).dispose()],
    [
      'TCAV 2 concepts x 3 randoms, 2 layers',
      async () => {
        const set = (seed) => e.randn([6, 1, 64, 48], { seed });
        const cs = { a: set(1), b: set(2) };
        const rs = [set(3), set(4), set(5)];
        const inputs = set(6);
        await concepts.tcav({ model, layers: ['conv3', 'fc1'], targets: 3, concepts: cs, randoms: rs, inputs });
        await done([...Object.values(cs), ...rs, inputs]);
      },
    ],
    [
      'faithfulnessCorrelation b2, 20 runs',
      async () => {
        await metrics.faithfulnessCorrelation(model, x2, [3, 3], {
          explain: (m, x, o) => xai.saliency(m, x, { target: o.target }),
          nrRuns: 20,
          subsetSize: 224,
          seed: 0,
        });
      },
    ],
  ];
  const dispose = () => [model, x1, x2].forEach((t) => t.dispose());
  return { list, dispose };
}

/** Runs every workload cold then warm; returns rows { name, cold, warm } (see monitor). */
export async function diagnose(A, e, opts = {}) {
  const acc = instrumentWebGpu();
  const { list, dispose } = workloads(A, e, opts);
  const rows = [];
  try {
    for (const [name, fn] of list) {
      if (opts.only && !opts.only.some((o) => name.toLowerCase().startsWith(o.toLowerCase()))) continue;
      const row = { name };
      try {
        row.cold = await monitor(acc, fn);
        row.warm = await monitor(acc, fn);
      } catch (err) {
        row.error = String(err?.stack ?? err);
      }
      rows.push(row);
      opts.log?.(row);
    }
  } finally {
    dispose();
  }
  return { rows, apiTotals: acc.total, apiMaxCall: acc.maxCall };
}
