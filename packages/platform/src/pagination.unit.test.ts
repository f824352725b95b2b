import { z } from 'zod';
import { Keyset, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from './pagination';

const byDueThenId = new Keyset(['due_date', 'invoice_id'], z.tuple([z.iso.date(), z.string().min(1)]));
const query = z.object(byDueThenId.query).strict();

describe('keyset pagination', () => {
  it('gives an opaque cursor that comes back as the key it was made from', () => {
    const cursor = byDueThenId.encode(['2026-03-01', 'INV-7']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(byDueThenId.decode(cursor)).toEqual(['2026-03-01', 'INV-7']);
  });

  it('refuses a cursor it cannot have given, naming the cursor field', () => {
    const other = Buffer.from(JSON.stringify([1, 2])).toString('base64url');
    const notJson = Buffer.from('{nope').toString('base64url');
    for (const cursor of [
      '***',
      '',
      other,
      notJson,
      'eyJ',
      byDueThenId.encode(['2026-03-01', 'X']).slice(0, -3),
    ]) {
      const parsed = query.safeParse({ cursor });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['cursor']);
    }
  });

  it('pages 50 items by default, at most 200', () => {
    expect(query.parse({}).limit).toBe(PAGE_LIMIT_DEFAULT);
    expect(query.parse({ limit: '200' }).limit).toBe(PAGE_LIMIT_MAX);
    expect(query.safeParse({ limit: '201' }).success).toBe(false);
    expect(query.safeParse({ limit: '0' }).success).toBe(false);
  });

  it('seeks after the cursor by the whole key, with its values as parameters, never an OFFSET', () => {
    const params: unknown[] = ['C-1'];
    const where = byDueThenId.after(byDueThenId.encode(['2026-03-01', 'INV-7']), params);
    expect(where).toBe('(due_date, invoice_id) > ($2, $3)');
    expect(params).toEqual(['C-1', '2026-03-01', 'INV-7']);
    expect(byDueThenId.after(undefined, params)).toBe('true');
    expect(byDueThenId.orderAndLimit(50)).toBe('order by due_date, invoice_id limit 51');
  });

  it('names the next page by the last item of this one, and none after the last page', () => {
    const rows = [
      { due: '2026-01-01', id: 'A' },
      { due: '2026-01-01', id: 'B' },
      { due: '2026-01-02', id: 'A' },
    ];
    const keyOf = (r: { due: string; id: string }): [string, string] => [r.due, r.id];
    const first = byDueThenId.page(rows, 2, keyOf);
    expect(first.items).toHaveLength(2);
    expect(byDueThenId.decode(first.next!)).toEqual(['2026-01-01', 'B']);
    expect(byDueThenId.page(rows.slice(2), 2, keyOf)).toEqual({ items: [rows[2]], next: null });
  });
});
