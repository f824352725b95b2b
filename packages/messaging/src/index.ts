export * from './message-bus';
export * from './kafka-bus';
export * from './in-process-bus';
export * from './cloud-events';
export * from './relay';
export * from './event-consumer';
