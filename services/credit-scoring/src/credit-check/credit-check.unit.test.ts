import { customerDecider } from '../customer/decider';
import { acmeProfile } from '../customer/fixtures';
import type { CreditFile, CustomerState } from '../customer/state';
import { DEFAULT_CREDIT_POLICY } from '../policy/credit-policy';
import { checkCredit } from './credit-check';

const decider = customerDecider(DEFAULT_CREDIT_POLICY);
const profile = acmeProfile;
function file(...commands: Parameters<typeof decider.decide>[0][]): CreditFile {
  let state: CustomerState = decider.initialState();
  for (const command of [
    { type: 'RegisterCustomer' as const, data: { profile, on: '2026-01-05' } },
    ...commands,
  ]) {
    state = decider.decide(command, state, new Date()).reduce(decider.evolve, state);
  }
  return state as CreditFile;
}
const exposure = [{ currency: 'CNY', openReceivables: 60_000_000n, unbilledContracts: 30_000_000n }];
const check = (f: CreditFile, amount: number) =>
  checkCredit(f, exposure, { amount, currency: 'CNY' }, DEFAULT_CREDIT_POLICY);

describe('credit check', () => {
  it('approves an amount that keeps exposure within the limit, exactly up to it', () => {
    expect(check(file(), 10_000_000)).toMatchObject({ approved: true, reasons: [], available: 10_000_000 });
  });

  it('refuses an amount over the limit and says by how much', () => {
    const result = check(file(), 10_000_001);
    expect(result.approved).toBe(false);
    expect(result.reasons).toEqual([
      expect.objectContaining({
        code: 'OVER_LIMIT',
        message: expect.stringMatching(
          /^over the limit by CNY 0\.01: exposure CNY 900,000\.00 \+ CNY 100,000\.01 exceeds limit CNY 1,000,000\.00/,
        ),
      }),
    ]);
  });

  it('refuses anything while credit is frozen, with the date and reason', () => {
    const frozen = file({
      type: 'FreezeCredit',
      data: { reason: '16 days overdue', requestedBy: 'collections', date: '2026-02-16' },
    });
    expect(check(frozen, 1).reasons).toEqual([
      expect.objectContaining({
        code: 'CREDIT_FROZEN',
        message: expect.stringMatching(/frozen since 2026-02-16 \(16 days overdue\)/),
      }),
    ]);
  });

  it('asks a CAUTIOUS customer for prepayment', () => {
    const cautious = file({
      type: 'OverrideTier',
      data: { tier: 'CAUTIOUS', reason: 'one-off deal', decidedBy: 'risk', date: '2026-01-06' },
    });
    expect(check(cautious, 1).reasons.map((r) => r.code)).toEqual(['PREPAYMENT_REQUIRED']);
  });

  it('allows exposure above the limit that the credit committee approved', () => {
    const vote = (member: 'SALES' | 'FINANCE' | 'LEGAL', voter: string) => ({
      type: 'CastCommitteeVote' as const,
      data: {
        exceptionId: 'X-1',
        amount: 20_000_000,
        member,
        approve: true,
        reason: 'a',
        voter,
        date: '2026-01-07',
      },
    });
    const excepted = file(vote('SALES', 'sam'), vote('FINANCE', 'fay'), vote('LEGAL', 'lee'));
    expect(check(excepted, 30_000_000)).toMatchObject({ approved: true, exceptionAllowance: 20_000_000 });
  });
});

describe('credit check: prepayment and currencies', () => {
  const cny = (openReceivables: number, unbilledContracts = 0) => ({
    currency: 'CNY',
    openReceivables: BigInt(openReceivables),
    unbilledContracts: BigInt(unbilledContracts),
  });
  const withRates = { ...DEFAULT_CREDIT_POLICY, fxRates: { USD: '7.2', JPY: '0.048' } };
  const cautious = () =>
    file({
      type: 'OverrideTier',
      data: { tier: 'CAUTIOUS', reason: 'one-off deal', decidedBy: 'risk', date: '2026-01-06' },
    });

  it('lets a CAUTIOUS customer contract on prepayment terms: cash before delivery uses no credit', () => {
    const result = checkCredit(
      cautious(),
      [cny(0)],
      { amount: 50_000_000, currency: 'CNY', prepayment: true },
      DEFAULT_CREDIT_POLICY,
    );
    expect(result).toMatchObject({ approved: true, reasons: [], tier: 'CAUTIOUS' });
  });

  it('refuses even prepayment while credit is frozen', () => {
    const frozen = file({
      type: 'FreezeCredit',
      data: { reason: '16 days overdue', requestedBy: 'collections', date: '2026-02-16' },
    });
    const result = checkCredit(
      frozen,
      [cny(0)],
      { amount: 1, currency: 'CNY', prepayment: true },
      DEFAULT_CREDIT_POLICY,
    );
    expect(result.reasons.map((r) => r.code)).toEqual(['CREDIT_FROZEN']);
  });

  it('counts receivables in another currency at the configured rate, to the minor unit', () => {
    // USD 50,000.00 at 7.2 is CNY 360,000.00; JPY 100,000 at 0.048 is CNY 4,800.00.
    const result = checkCredit(
      file(),
      [
        cny(60_000_000),
        { currency: 'USD', openReceivables: 5_000_000n, unbilledContracts: 0n },
        { currency: 'JPY', openReceivables: 0n, unbilledContracts: 100_000n },
      ],
      { amount: 3_520_000, currency: 'CNY' },
      withRates,
    );
    expect(result).toMatchObject({ approved: true, exposure: 96_480_000, available: 3_520_000 });
    expect(
      checkCredit(
        file(),
        [cny(60_000_000), { currency: 'USD', openReceivables: 5_000_000n, unbilledContracts: 0n }],
        { amount: 5_000_000, currency: 'CNY' },
        withRates,
      ).reasons,
    ).toEqual([
      expect.objectContaining({
        code: 'OVER_LIMIT',
        message: expect.stringMatching(/^over the limit by CNY 10,000\.00/),
      }),
    ]);
  });

  it('refuses, naming the currency, when receivables are in a currency with no configured rate', () => {
    const result = checkCredit(
      file(),
      [cny(0), { currency: 'EUR', openReceivables: 1_000n, unbilledContracts: 0n }],
      { amount: 1, currency: 'CNY' },
      withRates,
    );
    expect(result.approved).toBe(false);
    expect(result.reasons).toEqual([
      expect.objectContaining({
        code: 'CURRENCY_NOT_COVERED',
        message: expect.stringMatching(/EUR 10\.00.*no EUR rate/),
      }),
    ]);
  });

  it('converts a contract in another currency at the configured rate, or refuses naming it', () => {
    // USD 10,000.00 is CNY 72,000.00 against CNY 100,000.00 available.
    expect(
      checkCredit(file(), [cny(90_000_000)], { amount: 1_000_000, currency: 'USD' }, withRates),
    ).toMatchObject({ approved: true, available: 10_000_000 });
    const unrated = checkCredit(file(), [cny(0)], { amount: 1_000_000, currency: 'GBP' }, withRates);
    expect(unrated.reasons).toEqual([
      expect.objectContaining({
        code: 'CURRENCY_NOT_COVERED',
        message: expect.stringMatching(/no GBP rate/),
      }),
    ]);
  });
});
