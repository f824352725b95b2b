export * from './topics';
export * from './envelope';
export * from './primitives';
export * from './registry';
export * from './invoicing/events.v1';
export * from './invoicing/rest.v1';
