export { RECOMPUTE_AGING_CELLS_SQL } from './aging/cells';
export { RECOMPUTE_SETTLED_TOTALS } from './aging/projection';
export { reportingService } from './service';
