import { runServiceProcess } from '@ar/platform';
import { contractService } from './service';

runServiceProcess(contractService).catch((error) => {
  console.error(error);
  process.exit(1);
});
