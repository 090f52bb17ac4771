/**
 * The text factorization of MusicLIME (its LineIndexedString): lyrics split into lines, each line
 * one component; a perturbed lyric keeps the lines whose bit is 1, joined by newlines. Blank lines
 * are not components (removing them changes nothing).
 */
import { ValueError } from '../../engine/index.js';
import { MAX_COMPONENTS } from './factorizations/types.js';

/** Lyrics as removable lines. */
export interface LyricsFactorization {
  readonly kind: 'lyrics';
  /** The non-blank lines, in order: component j is lines[j]. */
  readonly lines: readonly string[];
  /** The lyrics with line j kept where keep[j] is truthy. */
  compose(keep: ArrayLike<number>): string;
}

/** Splits lyrics into line components (non-blank lines, trimmed of trailing spaces). */
export function lyricsLines(text: string): LyricsFactorization {
  if (typeof text !== 'string') throw new ValueError(`lyricsLines: lyrics must be a string, got ${typeof text}`);
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new ValueError('lyricsLines: the lyrics have no non-blank line (zero components)');
  if (lines.length > MAX_COMPONENTS)
    throw new ValueError(`lyricsLines: ${lines.length} lines exceed the limit of ${MAX_COMPONENTS} components`);
  return {
    kind: 'lyrics',
    lines,
    compose(keep: ArrayLike<number>): string {
      if (keep.length !== lines.length) throw new ValueError(`lyricsLines.compose: ${keep.length} bits for ${lines.length} lines`);
      return lines.filter((_, j) => keep[j]).join('\n');
    },
  };
}
