import { z } from 'zod';
import { IsoDate } from './primitives';

describe('IsoDate: a business date from 1900-01-01 to 9999-12-31', () => {
  it('says its bound in the JSON Schema (the OpenAPI document), also under a description of the field', () => {
    const schema = z.toJSONSchema(
      z.object({ date: IsoDate.describe('the day the money arrived') }),
    ) as unknown as {
      properties: { date: { allOf?: { pattern: string }[]; pattern?: string } };
    };
    const patterns = [
      ...(schema.properties.date.allOf ?? []).map((p) => p.pattern),
      schema.properties.date.pattern,
    ].filter((p): p is string => Boolean(p));
    const accepted = (day: string) => patterns.every((p) => new RegExp(p).test(day));
    expect(accepted('1900-01-01')).toBe(true);
    expect(accepted('9999-12-31')).toBe(true);
    expect(accepted('1899-12-31')).toBe(false); // failed before: only a refinement said so
    expect(accepted('0000-01-01')).toBe(false);
    expect(accepted('2000-02-29')).toBe(true);
    expect(accepted('1900-02-29')).toBe(false);
    expect(accepted('2026-04-31')).toBe(false);
    // One pattern: a fuzzer generating from one pattern and filtering by another gives up.
    expect(patterns).toHaveLength(1);
  });

  it('refuses a day before 1900 naming the bound, and a day that does not exist', () => {
    expect(IsoDate.safeParse('1899-12-31').error?.issues[0]?.message).toBe(
      'must be a date from 1900-01-01 to 9999-12-31',
    );
    expect(IsoDate.safeParse('2026-02-30').success).toBe(false);
    expect(IsoDate.parse('2026-02-28')).toBe('2026-02-28');
  });
});
