/**
 * Error types of auralens. Every validation error names the argument at fault and what was
 * expected, so a user can fix the call without reading the source.
 */

/** Base class of every error auralens throws on purpose. */
export class AuralensError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor argument had the wrong shape, rank or size. */
export class ShapeError extends AuralensError {}

/** A tensor argument had the wrong dtype (float32 vs int32). */
export class DTypeError extends AuralensError {}

/** An argument had an invalid value (NaN, out of range, wrong type, unknown name). */
export class ValueError extends AuralensError {}

/** A tensor was used after `dispose()` (directly or by the `tidy` scope that owned it). */
export class DisposedError extends AuralensError {}

/** The GPU device was lost (driver reset, `engine.dispose()`, or device.destroy()). */
export class DeviceLostError extends AuralensError {
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The GPU could not allocate memory for a buffer. */
export class OutOfMemoryError extends AuralensError {
  constructor(
    message: string,
    readonly requestedBytes?: number,
  ) {
    super(message);
  }
}

/** No WebGPU adapter could be found where `backend: 'webgpu'` was required. */
export class NoAdapterError extends AuralensError {}

/** A safetensors file was malformed (truncated, bad header JSON, bad dtype/shape/offsets). */
export class SafetensorsError extends AuralensError {}

/**
 * A long call (an attribution, fit, TCAV, LIME, a metric) was cancelled through the AbortSignal
 * the caller passed as `options.signal`. `reason` is the signal's reason, if any.
 */
export class CancelledError extends AuralensError {
  constructor(
    message: string,
    readonly reason?: unknown,
  ) {
    super(message);
  }
}
