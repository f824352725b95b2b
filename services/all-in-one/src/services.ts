import { collectionsService } from '@ar/collections';
import { contractService } from '@ar/contract';
import { creditScoringService } from '@ar/credit-scoring';
import { invoicingService } from '@ar/invoicing';
import type { ServiceDefinition } from '@ar/platform';
import { reportingService } from '@ar/reporting';

export const allServices: ServiceDefinition[] = [
  creditScoringService,
  contractService,
  invoicingService,
  collectionsService,
  reportingService,
];
