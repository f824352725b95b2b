import { runServiceProcess } from '@ar/platform';
import { reportingService } from './service';

runServiceProcess(reportingService).catch((error) => {
  console.error(error);
  process.exit(1);
});
