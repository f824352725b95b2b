import { CollectionsEventsV1, EntityId, MessageKind } from '@ar/contracts';
import { addDays } from '@ar/kernel';
import { type CaseCommand, type CaseEvent, type CaseState, caseDecider } from '../case/decider';
import { caseMessageId, planAgreementMessageId } from './message-ids';

/**
 * Every id collections derives from an invoice id is an id the published contracts take (#14 probe
 * F1): an invoice id may be 64 characters (a contract's `contractId:milestoneId`), and
 * `<invoiceId>-REMINDER_BEFORE_DUE` was 71, so consumers parked the case's events as malformed.
 */
const longInvoiceId = `K-${'0b6f3c7e-6a0f-4f0e-9a39-3f2d3b9f7c11'}:${'m'.repeat(25)}`; // 64 characters
const longPlanId = `PLAN-${'p'.repeat(59)}`; // 64 characters
const decider = caseDecider();
const invoice = {
  invoiceId: longInvoiceId,
  customerId: 'C-LONG',
  customerName: 'Long Id Machinery',
  amount: 1_000_000,
  currency: 'CNY',
  dueDate: '2026-03-31',
  lateFeeTerms: undefined,
};
const at = (d: string) => new Date(`${d}T03:00:00Z`); // 11:00 in Shanghai

/** The case's events from 10 days before the invoice falls due to 100 days after, one day run a day. */
function walkTheLadder(): CaseEvent[] {
  let state: CaseState = decider.evolve(decider.initialState(), { type: 'InvoiceTracked', data: invoice });
  const produced: CaseEvent[] = [];
  for (let n = -10; n <= 100; n++) {
    const today = addDays(invoice.dueDate, n);
    const command: CaseCommand = { type: 'RunDay', data: { today, tier: 'COOPERATIVE' } };
    const next = decider.decide(command, state, at(today));
    produced.push(...next);
    state = next.reduce(decider.evolve, state);
  }
  return produced;
}

describe('the ids of a case on an invoice whose id is 64 characters long', () => {
  it('publishes every message of the ladder with a message id the contracts take', () => {
    expect(longInvoiceId).toHaveLength(64);
    const produced = walkTheLadder();
    const messages = produced.filter((e) => e.type === 'ReminderSent' || e.type === 'MessageBlocked');
    expect(messages.map((e) => (e.data as { kind: string }).kind)).toEqual(
      expect.arrayContaining(['REMINDER_BEFORE_DUE', 'REMINDER_ON_DUE', 'DUNNING_LETTER', 'LAWYERS_LETTER']),
    );
    for (const e of produced) {
      const schema = CollectionsEventsV1[e.type as keyof typeof CollectionsEventsV1];
      if (!schema) continue;
      const parsed = schema.safeParse(e.data);
      expect({ type: e.type, issues: parsed.error?.issues ?? [] }).toEqual({ type: e.type, issues: [] });
    }
    const ids = messages.map((e) => (e.data as { messageId: string }).messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives each kind, plan and plan agreement its own valid id, the same every time', () => {
    const kinds = MessageKind.options;
    const ids = [
      ...kinds.map((k) => caseMessageId(longInvoiceId, k)),
      ...kinds.map((k) => caseMessageId(longInvoiceId, k, longPlanId)),
      ...kinds.map((k) => caseMessageId(longInvoiceId, k, 'PLAN-2')),
      planAgreementMessageId(longInvoiceId, longPlanId),
      planAgreementMessageId(longInvoiceId, 'PLAN-2'),
      planAgreementMessageId(`${longInvoiceId.slice(0, 63)}X`, 'PLAN-2'),
    ];
    for (const id of ids) expect({ id, valid: EntityId.safeParse(id).success }).toEqual({ id, valid: true });
    expect(new Set(ids).size).toBe(ids.length);
    expect(caseMessageId(longInvoiceId, 'DUNNING_LETTER')).toBe(
      caseMessageId(longInvoiceId, 'DUNNING_LETTER'),
    );
    // The short form still says which message it is.
    expect(caseMessageId(longInvoiceId, 'DUNNING_LETTER')).toMatch(/-DUNNING_LETTER$/);
  });

  it('keeps the readable ids it always gave when they fit, so ids already stored stay the same', () => {
    expect(caseMessageId('INV-1', 'REMINDER_OVERDUE')).toBe('INV-1-REMINDER_OVERDUE');
    expect(caseMessageId('INV-1', 'DUNNING_LETTER', 'PLAN-1')).toBe('INV-1-PLAN-1-DUNNING_LETTER');
    expect(planAgreementMessageId('INV-1', 'PLAN-1')).toBe('INV-1-PLAN-PLAN-1');
  });
});
