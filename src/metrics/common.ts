/**
 * What every metric shares, in one import: the call context and options (context.ts), the
 * attributions and their preprocessing (attributions.ts), and the batched device loops (rows.ts).
 */
export * from './context.js';
export * from './attributions.js';
export * from './rows.js';
