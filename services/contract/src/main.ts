// First: with OTLP configured, pg and fetch are instrumented before anything loads them.
import '@ar/platform/src/tracing-preload';
import { runServiceProcess } from '@ar/platform';
import { contractService } from './service';

runServiceProcess(contractService).catch((error) => {
  console.error(error);
  process.exit(1);
});
