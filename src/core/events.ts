/** How the core adapter reports incidents to the services (which log and store them). */

/** Severity names shared with the event log. */
export type CoreEventSeverity = 'info' | 'warning' | 'error' | 'critical';

/** One incident: config refused, core exited/restarted/adopted, core not available… */
export interface CoreEvent {
  /** `core.*`, e.g. `core.exited`. */
  type: string;
  severity: CoreEventSeverity;
  data: Record<string, unknown>;
}

/** Receiver of {@link CoreEvent}s; must not throw. */
export type CoreEventSink = (event: CoreEvent) => void;
