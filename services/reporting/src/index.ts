export { reportingService } from './service';
export { RECOMPUTE_SETTLED_TOTALS } from './aging/projection';
