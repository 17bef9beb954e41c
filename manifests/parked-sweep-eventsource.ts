/**
 * A `calendar` EventSource that ticks every PARKED_SWEEP_INTERVAL: each function that parks events has a
 * Sensor trigger on it calling POST /parked/sweep, which re-drives every play waiting at its gate with an
 * event of that function parked. It closes what the play-workflows EventSource cannot see: an update lost on
 * its way (the bus down when it was published, an event over the bus's maxPayload). The function scales to
 * zero, so the clock lives here, not in it.
 */
import type { ManifestOptions } from './options';

export const PARKED_SWEEP_EVENT_SOURCE = 'parked-sweep';
export const PARKED_SWEEP_EVENT = 'parked';
/** The worst case for a parked event whose re-drive was lost: this, plus one call (README, "Early events"). */
export const PARKED_SWEEP_INTERVAL = '5m';

export function parkedSweepEventSource(options: ManifestOptions) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'EventSource',
    metadata: { name: PARKED_SWEEP_EVENT_SOURCE, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      eventBusName: options.eventBusName,
      calendar: { [PARKED_SWEEP_EVENT]: { interval: PARKED_SWEEP_INTERVAL } },
    },
  };
}
