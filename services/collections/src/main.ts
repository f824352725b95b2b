import { runServiceProcess } from '@ar/platform';
import { collectionsService } from './service';

runServiceProcess(collectionsService).catch((error) => {
  console.error(error);
  process.exit(1);
});
