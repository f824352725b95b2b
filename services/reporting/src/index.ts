export { RECOMPUTE_SETTLED_TOTALS } from './aging/projection';
export { reportingService } from './service';
