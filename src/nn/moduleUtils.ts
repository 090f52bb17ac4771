/** Small shared checks of the nn module files: tensor test, registered-name check, value description and dotted-name join. @internal */
import { Tensor, ValueError } from '../engine/index.js';

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new ValueError(`${what} name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }
  return name;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

export function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}
