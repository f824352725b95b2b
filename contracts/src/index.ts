export * from './contract/events.v1';
export * from './envelope';
export * from './invoicing/events.v1';
export * from './invoicing/rest.v1';
export * from './invoicing/terms.v1';
export * from './primitives';
export * from './registry';
export * from './topics';
