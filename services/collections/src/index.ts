export { collectionsService } from './service';
