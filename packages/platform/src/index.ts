export * from './config';
export * from './error-handler';
export * from './http-app';
export * from './logger';
export * from './run';
export * from './service';
