import type { InvoiceView } from '@ar/contracts';
import { type EventMetadata, foldEvents, handleCommand, NotFound, streamName } from '@ar/kernel';
import type { ServiceContext } from '@ar/platform';
import type { PoolClient } from 'pg';
import type { InvoicingConfig } from '../config';
import { type InvoiceCommand, invoiceDecider } from './decider';
import { type InvoiceEvent, type InvoiceState, isIssued } from './state';

export const invoiceStream = (invoiceId: string) => streamName('invoice', invoiceId);

export function invoiceView(state: InvoiceState, version: number): InvoiceView {
  if (!isIssued(state)) throw new Error('no invoice');
  const { issued } = state;
  return {
    invoiceId: issued.invoiceId,
    customerId: issued.customerId,
    amount: issued.amount,
    currency: issued.currency,
    issueDate: issued.issueDate,
    dueDate: issued.dueDate,
    status: state.status,
    schedule: state.schedule,
    open: {
      principal: state.principalOpen,
      interest: state.interestOpen,
      penalty: state.penaltyOpen,
      total: state.principalOpen + state.interestOpen + state.penaltyOpen,
    },
    overdueThresholdsReached: state.overdueThresholdsReached,
    disputed: state.disputed,
    factorId: state.factor?.factorId,
    lateFeeTerms: issued.lateFeeTerms,
    discountTerms: issued.discountTerms,
    version,
  };
}

/** The invoice side of the service: one decider, configured once, behind the one command handler. */
export function invoiceHandler(ctx: ServiceContext, config: InvoicingConfig) {
  const decider = invoiceDecider(config.overduePolicy);

  async function load(invoiceId: string, tx?: PoolClient) {
    const { version, events } = await ctx.store.readStream<InvoiceEvent>(invoiceStream(invoiceId), tx);
    const state = foldEvents(decider, events as unknown as InvoiceEvent[]);
    return { state, version };
  }

  return {
    decider,
    policy: config.overduePolicy,
    load,
    async mustExist(invoiceId: string, tx?: PoolClient) {
      const loaded = await load(invoiceId, tx);
      if (!isIssued(loaded.state))
        throw new NotFound('INVOICE_NOT_FOUND', `no invoice ${invoiceId}`, 'invoiceId');
      return { ...loaded, state: loaded.state };
    },
    execute(
      invoiceId: string,
      command: InvoiceCommand,
      options: { metadata: EventMetadata; tx?: PoolClient; ifMatch?: number | undefined },
    ) {
      return handleCommand(ctx.store, decider, invoiceStream(invoiceId), command, {
        ...options,
        now: ctx.clock.now(),
      });
    },
  };
}
export type InvoiceHandler = ReturnType<typeof invoiceHandler>;
