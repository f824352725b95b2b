export * from './append-notifier';
export * from './embedded-server';
export * from './event-store';
export * from './global-order';
export * from './migrations';
export * from './pool';
export * from './projection-runner';
export * from './store-subscription';
