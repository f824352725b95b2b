import { runServiceProcess } from '@ar/platform';
import { creditScoringService } from './service';

runServiceProcess(creditScoringService).catch((error) => {
  console.error(error);
  process.exit(1);
});
