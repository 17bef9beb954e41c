// StackOptions decided before anything starts: whether the Knative functions are deployed, and what the
// Sensors call (the Knative URLs need the Knative functions).
import { describe, expect, it } from 'vitest';
import { knativeFunctionsDeployed, resolveSensorsCall } from '../../dev/stack/stack';

describe('stack options', () => {
  it('the Knative functions need the node and Knative', () => {
    expect(knativeFunctionsDeployed({ node: true, knative: true, knativeFunctions: true })).toBe(true);
    expect(knativeFunctionsDeployed({ node: true, knative: true, knativeFunctions: false })).toBe(false);
    expect(knativeFunctionsDeployed({ node: true, knative: false, knativeFunctions: true })).toBe(false);
    expect(knativeFunctionsDeployed({ node: false, knative: true, knativeFunctions: true })).toBe(false);
  });

  it('the Sensors call the host processes unless told; the Knative URLs only when the Knative functions are deployed', () => {
    expect(resolveSensorsCall({ node: true, knative: true, knativeFunctions: true })).toBe('host-processes');
    expect(resolveSensorsCall({ node: true, knative: true, knativeFunctions: true, sensorsCall: 'knative' })).toBe('knative');
    expect(() => resolveSensorsCall({ node: false, sensorsCall: 'knative' })).toThrow(/sensorsCall knative needs the functions as Knative Services/);
    expect(() => resolveSensorsCall({ node: true, knative: true, knativeFunctions: false, sensorsCall: 'knative' })).toThrow(/sensorsCall knative needs/);
  });
});
