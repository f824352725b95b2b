export { contractService } from './service';
