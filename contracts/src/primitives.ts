import { z } from 'zod';

/** Ids are opaque strings a client may choose: letters, digits, `_`, `.`, `:` and `-`. */
export const EntityId = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
    'must be 1-64 letters, digits, _ . : or -, starting with a letter or digit',
  );

/** Integer minor units (cents, fen). */
export const MinorUnits = z
  .number()
  .int('must be an integer number of minor units')
  .refine(Number.isSafeInteger, {
    message: 'must be a safe integer',
  });
export const NonNegativeMinorUnits = MinorUnits.refine((n) => n >= 0, { message: 'must not be negative' });
export const PositiveMinorUnits = MinorUnits.refine((n) => n > 0, { message: 'must be greater than 0' });

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as CNY or EUR');

export const IsoDate = z.iso.date('must be a date as YYYY-MM-DD');
