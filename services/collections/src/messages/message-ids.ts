import type { DeliveredMessageKind, MessageKind } from '@ar/contracts';
import { idWithinLimit } from '@ar/kernel';

/**
 * The id of a message of a case: readable, `<invoiceId>-<KIND>` (under an instalment plan
 * `<invoiceId>-<planId>-<KIND>`), while that fits in an id (64 characters). A longer invoice id -
 * up to 64, e.g. a contract's `contractId:milestoneId` - gives `M-`, 40 hex digits of the
 * SHA-256 of the readable form, and `-<KIND>`: stable, and taken by every consumer.
 */
export const caseMessageId = (invoiceId: string, kind: MessageKind, planId?: string): string =>
  shortWhenLong(planId ? `${invoiceId}-${planId}-${kind}` : `${invoiceId}-${kind}`, kind);

/** The id of a plan's agreement letter: `<invoiceId>-PLAN-<planId>`, or its short form. */
export const planAgreementMessageId = (invoiceId: string, planId: string): string =>
  shortWhenLong(`${invoiceId}-PLAN-${planId}`, 'PLAN_AGREEMENT');

const shortWhenLong = (readable: string, kind: DeliveredMessageKind) =>
  idWithinLimit(readable, 'M-', `-${kind}`);
