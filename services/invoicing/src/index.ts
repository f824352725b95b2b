export * from './invoice/decider';
export { invoicingService } from './service';
