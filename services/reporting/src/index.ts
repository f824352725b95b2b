export { reportingService } from './service';
