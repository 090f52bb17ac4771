// node examples/engine.mjs (after npm run build)
//
// The README's "Engine and tensors", "Ops" and "Autograd" sections, made concrete: tensors,
// broadcasting ops, tidy scopes and memory accounting, then grad / valueAndGrad / vjp /
// gradientTape / withBackwardOverride / noGrad, each checked against a number you can verify by
// hand (or against finite differences). AURALENS_BACKEND=cpu|webgpu|auto picks the backend.
import {
  createEngine,
  tidy,
  matmul,
  add,
  mul,
  sub,
  relu,
  sum,
  mean,
  max,
  argmax,
  softmax,
  crossEntropy,
  oneHot,
  conv2d,
  adaptiveAvgPool2d,
  flatten,
  linear,
  greater,
  transpose,
  reshape,
  slice,
  concat,
  pad,
  grad,
  valueAndGrad,
  vjp,
  gradientTape,
  noGrad,
  withBackwardOverride,
  ShapeError,
} from '../dist/index.js';

const backend = process.env.AURALENS_BACKEND ?? 'auto';
const engine = await createEngine({ backend });
const show = (v, d = 4) => `[${Array.from(v, (a) => +a.toFixed(d)).join(', ')}]`;
/** Reads a one-element tensor and frees it. */
const item = async (t) => {
  const v = await t.item();
  t.dispose();
  return v;
};
console.log(`engine: ${engine.backend} backend`);

// ---- Engine and tensors ------------------------------------------------------------------------
const x = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]); // float32, row-major; the data is copied
const idx = engine.tensor([2, 0], [2], 'int32');
const z = engine.zeros([2, 3]),
  o = engine.ones([4]),
  f = engine.full([2], 0.5);
const r = engine.arange(0, 10, 2);
console.log(`x ${JSON.stringify(x.shape)} ${x.dtype}: ${show(await x.read())}`);
console.log(`arange(0, 10, 2): ${show(await r.read())}`);
console.log(
  `int32 ${show(await idx.read())}, zeros sum ${await item(sum(z))}, ones sum ${await item(sum(o))}, full ${show(await f.read())}`,
);

// Seeded random numbers are the same on every backend: compare with the CPU reference.
const cpu = await createEngine({ backend: 'cpu' });
const u = engine.rand([4, 4], { seed: 1 });
const uCpu = cpu.rand([4, 4], { seed: 1 });
const [ua, ub] = [await u.read(), await uCpu.read()];
console.log(`rand([4, 4], { seed: 1 }) on ${engine.backend} vs cpu: max |diff| = ${Math.max(...ua.map((v, i) => Math.abs(v - ub[i])))}`);
const n = engine.randn([1000], { seed: 1, mean: 2, std: 0.5 });
console.log(`randn mean ≈ 2: ${(await item(mean(n))).toFixed(3)}`);
cpu.dispose();

// tidy frees every tensor made inside except what it returns.
const w = engine.randn([3, 4], { seed: 2 }),
  b = engine.ones([4]);
const before = engine.memory().liveTensors;
const y = engine.tidy(() => relu(add(matmul(x, w), b))); // matmul and add outputs are freed
console.log(`tidy: y ${JSON.stringify(y.shape)}, live tensors +${engine.memory().liveTensors - before} (only y survives)`);
for (const t of [idx, z, o, f, r, u, n, y]) t.dispose();

// ---- Ops ---------------------------------------------------------------------------------------
const bc = tidy(() => {
  const row = engine.tensor([10, 20, 30], [3]);
  return { 'add(x, [10, 20, 30])': add(x, row), 'mul(x, 2)': mul(x, 2), 'sub(1, x)': sub(1, x) };
});
for (const [name, t] of Object.entries(bc)) {
  console.log(`broadcast ${name}: ${show(await t.read())}`);
  t.dispose();
}

const red = tidy(() => [sum(x, 1), mean(x, 0, true), max(x), argmax(x, 1)]);
console.log(
  `sum(x, 1) ${show(await red[0].read())}, mean(x, 0, keepDims) ${JSON.stringify(red[1].shape)} ${show(await red[1].read())}, max ${await red[2].item()}, argmax(x, 1) ${show(await red[3].read())}`,
);
red.forEach((t) => t.dispose());

const shaped = tidy(() => ({
  t: transpose(x),
  s: slice(x, [0, 1], [2, 2]),
  c: concat([x, x], 0),
  p: pad(
    x,
    [
      [0, 0],
      [1, 1],
    ],
    { mode: 'reflect' },
  ),
  mm: matmul(x, x, { transB: true }), // x @ x^T without a copy
}));
console.log(`transpose ${JSON.stringify(shaped.t.shape)}, slice ${show(await shaped.s.read())}, concat ${JSON.stringify(shaped.c.shape)}`);
console.log(`pad reflect row 0: ${show((await shaped.p.read()).slice(0, 5))}, x @ x^T: ${show(await shaped.mm.read())}`);
Object.values(shaped).forEach((t) => t.dispose());

const probs = tidy(() => {
  const a = engine.randn([8, 16], { seed: 0 }),
    c = engine.randn([16, 4], { seed: 1 });
  return sum(softmax(relu(matmul(a, c)), -1), 1);
});
console.log(`softmax rows sum to 1: ${show(await probs.read(), 5)}`);
probs.dispose();

try {
  matmul(x, x); // [2, 3] @ [2, 3]
} catch (e) {
  console.log(`typed error: ${e instanceof ShapeError ? 'ShapeError' : e.name}: ${e.message}`);
}

// ---- Autograd ----------------------------------------------------------------------------------
// grad of sum(x^2) is 2x.
const [gx2] = grad((v) => sum(mul(v, v)))(x);
console.log(`grad(sum(x^2)) = 2x: ${show(await gx2.read())}`);
gx2.dispose();

// A linear classifier's loss; gradients w.r.t. each argument, checked against finite differences.
const inputs = engine.randn([6, 3], { seed: 3 });
const labels = engine.tensor([0, 1, 2, 3, 0, 1], [6], 'int32');
const W = engine.randn([3, 4], { seed: 4, std: 0.5 }),
  B = engine.zeros([4]);
const loss = (wt, bt) => crossEntropy(add(matmul(inputs, wt), bt), labels);
const [gw, gb] = grad(loss)(W, B);
const { value, grads } = valueAndGrad(loss, [0])(W, B); // only w.r.t. argument 0
const eps = 1e-2;
const bump = async (delta) => {
  const wv = Float32Array.from(await W.read());
  wv[5] += delta;
  return item(tidy(() => loss(engine.tensor(wv, [3, 4]), B)));
};
const fd = ((await bump(eps)) - (await bump(-eps))) / (2 * eps);
console.log(
  `valueAndGrad: loss ${(await value.item()).toFixed(4)}, ${grads.length} gradient (w), d loss / d w[1][1] = ${(await gw.read())[5].toFixed(4)} (finite difference ${fd.toFixed(4)}), d loss / d b ${JSON.stringify(gb.shape)}`,
);
for (const t of [gw, gb, value, ...grads]) t.dispose();

// vjp: one backward pass gives every example's input gradient; for logits = v @ W the gradient
// of example i's target logit is row target_i of W^T.
const targets = engine.tensor([2, 0, 3, 1, 1, 2], [6], 'int32');
const model = (v) => matmul(v, W);
const dy = oneHot(targets, 4);
const {
  value: logits,
  grads: [gin],
} = vjp(model, [inputs], dy);
const wt = await W.read(),
  gv = await gin.read();
const vjpErr = Math.max(...[2, 0, 3, 1, 1, 2].flatMap((t, i) => [0, 1, 2].map((k) => Math.abs(gv[i * 3 + k] - wt[k * 4 + t]))));
console.log(
  `vjp: logits ${JSON.stringify(logits.shape)}, input gradients ${JSON.stringify(gin.shape)}, max |g - W[:, target]| = ${vjpErr}`,
);
for (const t of [dy, logits, gin]) t.dispose();

// gradientTape: gradients w.r.t. an intermediate tensor (what Grad-CAM and TCAV need).
const img = engine.randn([2, 1, 6, 6], { seed: 5 });
const w1 = engine.randn([3, 1, 3, 3], { seed: 6 }),
  fcW = engine.randn([4, 3], { seed: 7 });
const head = (a) => linear(flatten(adaptiveAvgPool2d(a, 1), 1), fcW);
const [gAct, actShape] = gradientTape((tape) => {
  const act = relu(conv2d(img, w1, null, { padding: 1 }));
  const out = head(act);
  return [...tape.gradient(out, [act], oneHot(engine.tensor([1, 3], [2], 'int32'), 4)), act.shape];
});
// d logit_t / d act[c, h, w] = fcW[t, c] / 36 at every position: check one value.
console.log(
  `gradientTape: d logits / d act ${JSON.stringify(actShape)}, g[0,0,0,0] = ${(await gAct.read())[0].toFixed(5)} (fcW[1, 0] / 36 = ${((await fcW.read())[3] / 36).toFixed(5)})`,
);
gAct.dispose();

// withBackwardOverride: replace ReLU's backward rule in a scope (Guided Backprop's rule passes
// only positive gradients). f(v) = sum(relu(v) * c): the plain gradient is c where v > 0.
const v = engine.tensor([-1, 2, 3, 4], [4]);
const c = engine.tensor([5, -6, 7, -8], [4]);
const fn = (t) => sum(mul(relu(t), c));
const [plain] = grad(fn)(v);
const [guided] = withBackwardOverride({ relu: ([g], [inp]) => [mul(relu(g), greater(inp, 0))] }, () => grad(fn)(v));
console.log(`withBackwardOverride: plain grad ${show(await plain.read())}, guided grad ${show(await guided.read())}`);

// noGrad: nothing is recorded, so no gradient flows through it.
const [gNo] = gradientTape((tape) =>
  tape.gradient(
    sum(
      add(
        noGrad(() => mul(v, v)),
        v,
      ),
    ),
    [v],
  ),
);
const inference = noGrad(() => model(inputs));
console.log(`noGrad: d sum(noGrad(v*v) + v) / dv = ${show(await gNo.read())}; inference logits ${JSON.stringify(inference.shape)}`);
for (const t of [plain, guided, gNo, inference]) t.dispose();

// ---- Memory ------------------------------------------------------------------------------------
for (const t of [x, w, b, inputs, labels, W, B, targets, img, w1, fcW, v, c]) t.dispose();
console.log(`memory after disposing everything: ${JSON.stringify(engine.memory())}`);
engine.dispose();
console.log('engine example OK');
