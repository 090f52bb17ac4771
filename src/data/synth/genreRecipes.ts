/** Per-genre recipe tables: tempo and swing ranges and the renderer of each genre. @internal */
import type { Renderer } from './arrangement.js';
import { blues, classical, country, disco, hiphop } from './genreRecipesBluesToHiphop.js';
import { jazz, metal, pop, reggae, rock } from './genreRecipesJazzToRock.js';
import type { Genre } from './genres.js';

// ---------------------------------------------------------------------------------------------
// The genres

export const TEMPO: Record<Genre, [number, number]> = {
  blues: [66, 100],
  classical: [54, 96],
  country: [96, 140],
  disco: [112, 130],
  hiphop: [76, 98],
  jazz: [100, 180],
  metal: [140, 200],
  pop: [94, 128],
  reggae: [62, 90],
  rock: [104, 150],
};

export const SWING: Record<Genre, [number, number]> = {
  blues: [0.64, 0.68],
  classical: [0.5, 0.5],
  country: [0.5, 0.53],
  disco: [0.5, 0.52],
  hiphop: [0.5, 0.6],
  jazz: [0.6, 0.68],
  metal: [0.5, 0.5],
  pop: [0.5, 0.52],
  reggae: [0.5, 0.58],
  rock: [0.5, 0.52],
};

export const RENDERERS: Record<Genre, Renderer> = { blues, classical, country, disco, hiphop, jazz, metal, pop, reggae, rock };
