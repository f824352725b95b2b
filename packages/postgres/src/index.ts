export * from './pool';
export * from './migrations';
export * from './event-store';
export * from './global-order';
export * from './append-notifier';
export * from './store-subscription';
export * from './projection-runner';
export * from './embedded-server';
