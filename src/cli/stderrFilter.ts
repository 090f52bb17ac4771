/**
 * Drops Dawn's two limit-normalisation warnings from a stderr byte stream and passes everything
 * else through unchanged and at once. Dawn (the `webgpu` package's native core) writes them
 * itself with fprintf(stderr) while it enumerates a Vulkan adapter whose dynamic-buffer limits
 * exceed 16 (lavapipe: 1,000,000); no option reaches that code, so the CLI runs its work in a
 * child process and filters the child's stderr through this (see relaunch.ts).
 *
 * Only whole lines matching DAWN_LIMIT_WARNING are dropped. Bytes are forwarded as they arrive;
 * the only thing held back is the start of a line that could still become one of the dropped
 * lines (it begins like "Warning: maxDynamic…"), and only until it either completes or differs.
 * Progress bars drawn with \r and cursor codes never start like that, so they are not delayed.
 * Work is on latin1 strings (one char per byte), so any byte sequence, valid UTF-8 or not,
 * comes out byte for byte.
 */
import { Transform } from 'node:stream';

/**
 * One of Dawn's warnings, as a whole line (without its "\n"; a trailing "\r" is allowed):
 * `Warning: maxDynamic{Uniform,Storage}BuffersPerPipelineLayout artificially reduced from N to M
 * to fit dynamic offset allocation limit.` (Dawn `NormalizeLimits`, src/dawn/native/Limits.cpp).
 */
export const DAWN_LIMIT_WARNING =
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d{1,20} to \d{1,20} to fit dynamic offset allocation limit\.\r?$/;

/** The same line as a sequence of parts, to tell whether a partial line could still match. */
const PARTS: readonly (readonly string[] | 'digits' | 'cr?')[] = [
  ['Warning: maxDynamic'],
  ['Uniform', 'Storage'],
  ['BuffersPerPipelineLayout artificially reduced from '],
  'digits',
  [' to '],
  'digits',
  [' to fit dynamic offset allocation limit.'],
  'cr?',
];

/** True when `s` (no "\n" in it) is the beginning of a line DAWN_LIMIT_WARNING could match. */
export function couldBecomeDawnWarning(s: string): boolean {
  let i = 0;
  for (const part of PARTS) {
    if (i === s.length) return true;
    if (part === 'digits') {
      const start = i;
      while (i < s.length && i - start < 20 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === start) return false;
    } else if (part === 'cr?') {
      if (s[i] === '\r') i++;
    } else {
      const rest = s.slice(i);
      const lit = part.find((p) => p.startsWith(rest) || rest.startsWith(p));
      if (lit === undefined) return false;
      if (rest.length < lit.length) return true; // s ends inside this literal
      i += lit.length;
    }
  }
  return i === s.length;
}

/**
 * The filter's state machine: feed it chunks with `push`, which returns what may be written now;
 * `end` returns what was still held (a final partial line, never dropped since it has no "\n").
 */
export class DawnWarningFilter {
  /** The start of the current line, held while it could still be a Dawn warning. */
  #held = '';
  /** The current line is known not to be a Dawn warning: pass it until its "\n". */
  #passing = false;

  /** Filters one chunk; returns the bytes to forward now (possibly empty). */
  push(chunk: Uint8Array | string): Buffer {
    const text = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8').toString('latin1') : Buffer.from(chunk).toString('latin1');
    let out = '';
    let i = 0;
    while (i < text.length) {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl + 1;
      const piece = text.slice(i, end);
      i = end;
      if (this.#passing) {
        out += piece;
      } else {
        const line = this.#held + piece;
        this.#held = '';
        if (nl >= 0) {
          if (!DAWN_LIMIT_WARNING.test(line.slice(0, -1))) out += line;
        } else if (couldBecomeDawnWarning(line)) {
          this.#held = line;
        } else {
          out += line;
          this.#passing = true;
        }
      }
      if (nl >= 0) this.#passing = false;
    }
    return Buffer.from(out, 'latin1');
  }

  /** Ends the stream: returns the held partial line, if any (it never got its "\n"). */
  end(): Buffer {
    const rest = this.#held;
    this.#held = '';
    this.#passing = false;
    return Buffer.from(rest, 'latin1');
  }
}

/** The filter as a Transform stream (bytes in, bytes out), for piping a child's stderr. */
export function dawnWarningFilterStream(): Transform {
  const f = new DawnWarningFilter();
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out = f.push(chunk);
      done(null, out.length > 0 ? out : undefined);
    },
    flush(done) {
      const out = f.end();
      done(null, out.length > 0 ? out : undefined);
    },
  });
}
