export * from './config';
export * from './logger';
export * from './error-handler';
export * from './http-app';
export * from './service';
export * from './run';
