import { createHash } from 'node:crypto';
import { EntityId } from '@ar/contracts';
import { legacyMilestoneInvoiceId, milestoneInvoiceId } from './on-milestone-reached';

describe('the invoice id of a contract milestone', () => {
  const contractId = '0b6f3c7e-6a0f-4f0e-9a39-3f2d3b9f7c11'; // a UUID: 36 characters

  it('differs for two milestones of a UUID contract whose ids share their first characters', () => {
    const first = milestoneInvoiceId({ contractId, milestoneId: 'acceptance-of-production-line-phase-1' });
    const second = milestoneInvoiceId({ contractId, milestoneId: 'acceptance-of-production-line-phase-2' });
    expect(first).not.toBe(second);
    expect(EntityId.safeParse(first).success).toBe(true);
    expect(EntityId.safeParse(second).success).toBe(true);
  });

  it('is the same id every time for the same milestone, so a redelivery bills nothing new', () => {
    const m = { contractId, milestoneId: 'acceptance-of-production-line-phase-1' };
    expect(milestoneInvoiceId(m)).toBe(milestoneInvoiceId({ ...m }));
  });

  it('does not confuse a colon in a contract id with the separator', () => {
    expect(milestoneInvoiceId({ contractId: 'K:1', milestoneId: 'A' })).not.toBe(
      milestoneInvoiceId({ contractId: 'K', milestoneId: '1:A' }),
    );
  });

  it('stays readable, contract:milestone, when that is short and unambiguous', () => {
    expect(milestoneInvoiceId({ contractId: 'K-1', milestoneId: 'ACCEPTANCE' })).toBe('K-1:ACCEPTANCE');
    expect(legacyMilestoneInvoiceId({ contractId: 'K-1', milestoneId: 'ACCEPTANCE' })).toBe('K-1:ACCEPTANCE');
  });

  it('keeps the short ids it gave before the helper moved to the kernel (invoices already issued)', () => {
    const milestoneId = 'acceptance-of-production-line-phase-1';
    const before = createHash('sha256')
      .update(JSON.stringify([contractId, milestoneId]))
      .digest('hex');
    expect(milestoneInvoiceId({ contractId, milestoneId })).toBe(`MS-${before.slice(0, 48)}`);
  });
});
