export * from './cloud-events';
export * from './event-consumer';
export * from './in-process-bus';
export * from './kafka-bus';
export * from './kafka-topics';
export * from './message-bus';
export * from './relay';
