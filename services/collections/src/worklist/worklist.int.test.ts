import { migrate, type OrderedEvent } from '@ar/postgres';
import { freshStoreSchema } from '../../../../tests/support/infra';
import { caseMigrations } from '../case/handler';
import { worklistAsOf, worklistMigrations, worklistProjection } from './worklist';

/** The worklist read model under value dating (issue 14 item 1), on a real PostgreSQL. */
describe('worklist and value dating', () => {
  const ref = { caseId: 'INV-W1', invoiceId: 'INV-W1', customerId: 'C-W1' };
  const event = (type: string, data: object) =>
    ({ type, data, streamId: 'case-INV-W1' }) as unknown as OrderedEvent;

  it('follows a payment re-split, an escalation withdrawn, and drops a case closed as paid on time', async () => {
    const { pool, schema } = await freshStoreSchema('wl');
    try {
      await migrate(pool, schema, [...caseMigrations, ...worklistMigrations]);
      const apply = async (events: OrderedEvent[]) => {
        const client = await pool.connect();
        try {
          await worklistProjection.apply(client, events);
        } finally {
          client.release();
        }
      };
      const escalated = (rung: number, ownerRole: string) =>
        event('CaseEscalated', {
          ...ref,
          rung,
          ownerRole,
          action: 'x',
          rule: 'x',
          daysOverdue: rung,
          date: '2026-03-01',
        });
      await apply([
        event('CaseOpened', {
          ...ref,
          amount: 1_000_000,
          currency: 'CNY',
          dueDate: '2026-01-30',
          openedDate: '2026-01-31',
        }),
        escalated(1, 'SALES'),
        escalated(16, 'FINANCE'),
        escalated(31, 'LEGAL'),
        event('InvoicePaymentNoted', {
          amount: 100_000,
          toPrincipal: 46_000,
          date: '2026-03-10',
          paidInFull: false,
        }),
      ]);
      const row = async () => (await worklistAsOf(pool, '2026-03-20')).find((c) => c.invoiceId === 'INV-W1');
      expect(await row()).toMatchObject({ openAmount: 954_000, ownerRole: 'LEGAL' });

      await apply([
        event('InvoicePaymentReallocated', {
          paymentId: 'P-1',
          toPrincipal: 100_000,
          previousToPrincipal: 46_000,
          date: '2026-03-10',
        }),
        event('CaseEscalationWithdrawn', {
          ...ref,
          rung: 31,
          ownerRole: 'FINANCE',
          reason: 'x',
          valueDate: '2026-02-20',
          date: '2026-03-20',
        }),
      ]);
      expect(await row()).toMatchObject({ openAmount: 900_000, ownerRole: 'FINANCE' });

      // Under a plan the case needs nobody; broken, it is back; resumed (#14 item 2), off again.
      const plan = { ...ref, planId: 'PLAN-W1' };
      await apply([event('InstalmentPlanNoted', { ...plan, agreedDate: '2026-03-20', instalments: [] })]);
      expect(await row()).toBeUndefined();
      await apply([
        event('InstalmentPlanBroken', {
          ...plan,
          dueDate: '2026-04-30',
          due: 1,
          paid: 0,
          missed: 1,
          detectedDate: '2026-05-01',
        }),
      ]);
      expect((await worklistAsOf(pool, '2026-05-02')).map((c) => c.invoiceId)).toContain('INV-W1');
      await apply([
        event('InstalmentPlanResumed', {
          ...plan,
          dueDate: '2026-04-30',
          caughtUpOn: '2026-05-08',
          reason: 'x',
          date: '2026-05-08',
        }),
      ]);
      expect((await worklistAsOf(pool, '2026-05-09')).map((c) => c.invoiceId)).not.toContain('INV-W1');

      await apply([event('CaseClosed', { ...ref, outcome: 'PAID_ON_TIME', date: '2026-01-30' })]);
      expect(await row()).toBeUndefined();
    } finally {
      await pool.end();
    }
  });
});
