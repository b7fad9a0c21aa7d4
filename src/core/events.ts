/** How the core adapter reports incidents to the services (which log and store them). */

/** Severity names shared with the event log. */
export type CoreEventSeverity = 'info' | 'warning' | 'error' | 'critical';

/** Every incident the core adapter reports. */
export type CoreEventType = `core.${
  | 'adopted'
  | 'config_refused'
  | 'drift_fixed'
  | 'exited'
  | 'not_available'
  | 'orphan_replaced'
  | 'restart_detected'
  | 'restarted'
  | 'user_rejected'}`;

/** One incident: config refused, core exited/restarted/adopted, core not available… */
export interface CoreEvent {
  type: CoreEventType;
  severity: CoreEventSeverity;
  data: Record<string, unknown>;
}

/** Receiver of {@link CoreEvent}s; must not throw. */
export type CoreEventSink = (event: CoreEvent) => void;
