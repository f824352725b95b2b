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

/**
 * The largest amount the platform takes in one command: 10^13 minor units (100 billion CNY,
 * 10 trillion JPY). Below it, an invoice with years of fees, and every total a book can reach
 * (9,000 invoices at the limit in one currency), stay exact in a JavaScript number (2^53);
 * above it a request is refused at the door with a 422 naming the field
 * (`AMOUNT_TOO_LARGE`), never stored to break a read later.
 */
export const MAX_AMOUNT = 10_000_000_000_000;
/** The refusal the HTTP layer answers with 422 rather than 400: well formed, beyond the limit. */
export const AMOUNT_TOO_LARGE = 'AMOUNT_TOO_LARGE';
const withinLimit = (n: number) => !(n > MAX_AMOUNT);
const limitMessage = {
  message: `must be at most ${MAX_AMOUNT} minor units, the largest amount the platform takes`,
  params: { refusal: AMOUNT_TOO_LARGE },
};
/** An amount in a request (minor units, at most MAX_AMOUNT). */
// The refinements above are invisible to the OpenAPI document: each limit is stated for it too.
export const Amount = MinorUnits.refine(withinLimit, limitMessage).meta({ maximum: MAX_AMOUNT });
export const NonNegativeAmount = NonNegativeMinorUnits.refine(withinLimit, limitMessage).meta({
  minimum: 0,
  maximum: MAX_AMOUNT,
});
export const PositiveAmount = PositiveMinorUnits.refine(withinLimit, limitMessage).meta({
  minimum: 1,
  maximum: MAX_AMOUNT,
});

/** A JSON text that `JSON.stringify` writes as it is (`JSON.rawJSON`, ES2026; Node 21 and later). */
export interface RawJson {
  readonly rawJSON: string;
}
const json = JSON as unknown as {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
};

/**
 * A total of minor units over many amounts (an aging bucket, a currency's outstanding, a
 * customer's exposure), exact at any size (#14 item 13): MAX_AMOUNT bounds one amount, not how
 * many a book holds, and 901 invoices at it pass 2^53. Summed exactly (SQL numeric or BigInt),
 * answered as a JSON number with every digit: a plain number while it is a safe integer, the
 * digits themselves above (a JSON number has no limit; a reader that keeps exact decimals -
 * Python, Java's BigDecimal, `JSON.parse` with the source text - gets every minor unit).
 */
export function exactTotal(value: bigint | string | number): number | RawJson {
  const exact = BigInt(value);
  const asNumber = Number(exact);
  return Number.isSafeInteger(asNumber) ? asNumber : json.rawJSON(exact.toString());
}

/** The schema of an `exactTotal`: an integer of minor units, exact at any size. */
export const TotalMinorUnits = z
  .any()
  .refine((v) => (typeof v === 'number' && Number.isInteger(v)) || json.isRawJSON(v), {
    message: 'must be an integer number of minor units',
  })
  .meta({ type: 'integer' }) as unknown as z.ZodType<number | RawJson>;

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as CNY or EUR');

/** The dates the platform takes: a business date from 1900 on (PostgreSQL has no year 0000, and nothing is owed from before 1900). */
export const EARLIEST_DATE = '1900-01-01';
export const LATEST_DATE = '9999-12-31';
/**
 * An ISO business date, YYYY-MM-DD, from EARLIEST_DATE to LATEST_DATE: the one date schema of
 * every request, query and event, so a year 0000 is a 400 naming the field, never a 500.
 */
/**
 * The days IsoDate takes, as one pattern for the OpenAPI document (#15 probe F9: the bound was
 * only in a description a field's own replaced): 1900-01-01 to 9999-12-31, month lengths and leap
 * days included. One pattern, not two: a fuzzer generating from one and filtering by another gave
 * up on operations with several dates.
 */
export const ISO_DATE_PATTERN =
  '^(?:(?:19|[2-9]\\d)\\d\\d-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:(?:19|[2-9]\\d)(?:[2468][048]|[13579][26]|0[48])|(?:[2468][048]|[3579][26])00)-02-29)$';
export const IsoDate = z.iso
  .date('must be a date as YYYY-MM-DD')
  .refine((d) => d >= EARLIEST_DATE, { message: `must be a date from ${EARLIEST_DATE} to ${LATEST_DATE}` })
  .meta({
    description: `a date as YYYY-MM-DD, from ${EARLIEST_DATE} to ${LATEST_DATE}`,
    pattern: ISO_DATE_PATTERN,
  });

/**
 * A response object described field by field that lets through the fields it does not name
 * (`additionalProperties` in the OpenAPI document): the serializer writes the body as the handler
 * built it and never drops a field a client reads. Typed as the fields named, so a handler's
 * interface (which has no index signature) fits.
 */
export const openObject = <S extends z.ZodRawShape>(shape: S) =>
  z.looseObject(shape) as unknown as z.ZodObject<S>;
