export { creditScoringService } from './service';
