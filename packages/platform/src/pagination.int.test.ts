import { Pool } from 'pg';
import { z } from 'zod';
import { testInfra } from '../../../tests/support/infra';
import { Keyset } from './pagination';

/** Keyset pages over a real PostgreSQL table: every row once, in order, whatever happens between pages. */
describe('keyset pagination on PostgreSQL', () => {
  const pool = new Pool({ connectionString: testInfra().databaseUrl, max: 1 });
  const keyset = new Keyset(['due_date', 'invoice_id'], z.tuple([z.iso.date(), z.string()]));
  const table = `pagination_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    await pool.query(`create table ${table} (invoice_id text primary key, due_date date not null)`);
    // Several rows share a due date: the id breaks the tie, so no row is skipped at a page's edge.
    const rows = Array.from({ length: 11 }, (_, i) => [
      `INV-${String(i).padStart(2, '0')}`,
      `2026-01-0${1 + (i % 3)}`,
    ]);
    for (const [id, due] of rows) await pool.query(`insert into ${table} values ($1, $2)`, [id, due]);
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  async function page(cursor: string | undefined, limit: number) {
    const params: unknown[] = [];
    const { rows } = await pool.query<{ id: string; due: string }>(
      `select invoice_id as id, to_char(due_date, 'YYYY-MM-DD') as due from ${table}
        where ${keyset.after(cursor, params)} ${keyset.orderAndLimit(limit)}`,
      params,
    );
    return keyset.page(rows, limit, (r) => [r.due, r.id] as [string, string]);
  }

  it('walks every row once in key order, in pages of the limit, and the last page has no next', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { items, next } = await page(cursor, 4);
      seen.push(...items.map((r) => `${r.due}/${r.id}`));
      pages++;
      cursor = next ?? undefined;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(11);
  });

  it('neither repeats nor skips a row when rows before the cursor come and go between pages', async () => {
    const first = await page(undefined, 4);
    await pool.query(`insert into ${table} values ('AAA', '2026-01-01')`);
    await pool.query(`delete from ${table} where invoice_id = $1`, [first.items[0]!.id]);
    const rest: string[] = [];
    let cursor = first.next ?? undefined;
    while (cursor) {
      const p = await page(cursor, 4);
      rest.push(...p.items.map((r) => r.id));
      cursor = p.next ?? undefined;
    }
    expect(rest).toHaveLength(7);
    expect(rest.filter((id) => first.items.some((r) => r.id === id))).toEqual([]);
  });
});
