export * from './business-clock';
export * from './business-day-scheduler';
export * from './config';
export * from './error-handler';
export * from './http-app';
export * from './logger';
export * from './run';
export * from './service';
