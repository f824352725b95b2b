import { runServiceProcess } from '@ar/platform';
import { invoicingService } from './service';

runServiceProcess(invoicingService).catch((error) => {
  console.error(error);
  process.exit(1);
});
