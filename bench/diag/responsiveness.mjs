// Node driver of the responsiveness diagnosis (see responsiveness-core.mjs): WebGPU through Dawn.
// Usage: npm run build && node bench/diag/responsiveness.mjs [name-prefix ...] [--json out.json]
process.env.XDG_RUNTIME_DIR ??= '/tmp';
import { writeFileSync } from 'node:fs';
import * as A from '../../dist/index.js';
import { diagnose } from './responsiveness-core.mjs';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const out = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const e = await A.createEngine({ backend: 'webgpu' });
const res = await diagnose(A, e, { only: args.length ? args : undefined, log: (r) => console.log(JSON.stringify(r)) });
console.log(JSON.stringify({ apiTotals: res.apiTotals, apiMaxCall: res.apiMaxCall }));
if (out) writeFileSync(out, JSON.stringify(res, null, 1));
e.dispose();
