/**
 * Whether spans are exported: an OTLP endpoint is configured (the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), or the caller gives
 * its own span processors, and `OTEL_SDK_DISABLED` is not true. (A module of its own, importing
 * nothing: the preload asks it before any other module loads.)
 */
export function tracingWanted(env: NodeJS.ProcessEnv, ownProcessors = false): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (ownProcessors) return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}
