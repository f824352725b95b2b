export * from './business-date';
export * from './clock';
export * from './command-handler';
export * from './decider';
export * from './errors';
export * from './event-store';
export * from './money';
export * from './stream-name';
