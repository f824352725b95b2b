import { z } from 'zod';

/** How many items a page holds when the caller does not say, and at most. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 200;

type Key = readonly (string | number)[];

/**
 * Keyset ("seek") pagination over a list sorted by unique key columns: a page is the rows whose
 * key comes after the previous page's last one (`where (a, b) > ($1, $2) order by a, b limit n`),
 * never OFFSET - a page costs the same deep in the list as at its start, and a row added or removed
 * meanwhile neither repeats nor skips another. The cursor a caller sends back is opaque: the
 * base64url of the last key, as JSON; one it cannot have been given is a 400 naming `cursor`.
 */
export class Keyset<K extends Key> {
  /**
   * @param columns the sort key's SQL expressions, in order; together they identify a row
   * @param key what a decoded cursor must be (a tuple of the key's values)
   */
  constructor(
    readonly columns: readonly string[],
    private readonly key: z.ZodType<K>,
  ) {}

  /** `cursor` and `limit` for a route's querystring (spread into its `z.object`). */
  get query() {
    return {
      cursor: z
        .string()
        .max(2000)
        .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this list gave: send back `next` as it came')
        .refine(
          (c) => this.decode(c) !== undefined,
          'not a cursor this list gave: send back `next` as it came',
        )
        .optional()
        .describe('`next` of the previous page, as it came; absent: the first page'),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(PAGE_LIMIT_MAX)
        .default(PAGE_LIMIT_DEFAULT)
        .describe(`items per page (default ${PAGE_LIMIT_DEFAULT}, at most ${PAGE_LIMIT_MAX})`),
    };
  }

  encode(key: K): string {
    return Buffer.from(JSON.stringify(key)).toString('base64url');
  }

  /** The key a cursor carries, or undefined when it is none this list gave. */
  decode(cursor: string): K | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    try {
      const parsed = this.key.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The SQL condition "after the cursor" (`true` on the first page), its values appended to
   * `params` (so it composes with the route's own filters), and the ORDER BY and LIMIT clause: one
   * row more than the page, which tells whether there is a next page.
   */
  after(cursor: string | undefined, params: unknown[]): string {
    if (cursor === undefined) return 'true';
    const key = this.decode(cursor);
    if (key === undefined) throw new Error('cursor was validated by the route schema');
    const placeholders = key.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${this.columns.join(', ')}) > (${placeholders.join(', ')})`;
  }

  orderAndLimit(limit: number): string {
    return `order by ${this.columns.join(', ')} limit ${Math.trunc(limit) + 1}`;
  }

  /** The page of `rows` (fetched with `orderAndLimit`) and the cursor of the next, or null at the end. */
  page<Row>(rows: Row[], limit: number, keyOf: (row: Row) => K): { items: Row[]; next: string | null } {
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last !== undefined ? this.encode(keyOf(last)) : null };
  }
}

/** A page of a list, as it is answered: the items under `name`, and `next`. */
export function pageOf<Name extends string, Item extends z.ZodType>(name: Name, item: Item) {
  return z.object({
    [name]: z.array(item),
    next: z
      .string()
      .nullable()
      .describe('the cursor of the next page (send it as `cursor`); null: this is the last page'),
  } as { [P in Name]: z.ZodArray<Item> } & { next: z.ZodNullable<z.ZodString> });
}

/**
 * A list's WHERE clause built from the filters given: each one given adds its condition with its
 * value as the next parameter ($n); those not given add nothing. `params` may start with values
 * the query names itself (e.g. the business day as $1).
 */
export class SqlFilters {
  readonly where: string[] = [];
  constructor(readonly params: unknown[] = []) {}

  /** `sql` gets the parameter's placeholder, e.g. (p) => `status = ${p}`. */
  add(sql: (placeholder: string) => string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.where.push(sql(`$${this.params.length}`));
    return this;
  }
}
