export * from './decider';
export * from './errors';
export * from './stream-name';
export * from './event-store';
export * from './command-handler';
export * from './money';
export * from './business-date';
export * from './clock';
