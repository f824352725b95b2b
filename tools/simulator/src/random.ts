import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * Seeded randomness. Each thing that draws (a customer, an invoice) gets its own generator from
 * the run's seed and its key, so a draw for one invoice never shifts another's: the same seed
 * gives the same company and the same decisions whatever order they are asked in.
 */
export class SeededRandom {
  private readonly rng;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }

  static forKey(seed: number, key: string): SeededRandom {
    let hash = seed | 0;
    for (let i = 0; i < key.length; i++)
      hash = Math.imul(hash ^ key.charCodeAt(i), 0x5bd1e995) ^ (hash >>> 15);
    return new SeededRandom(hash);
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  chance(probability: number): boolean {
    return this.int(0, 999_999) < probability * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = (this.int(0, 999_999) / 1_000_000) * total;
    for (const [value, weight] of entries) {
      if (point < weight) return value;
      point -= weight;
    }
    return entries.at(-1)![0];
  }
}
