/** The analysis inputs whose being set asks for a metric analysis (`analysisInputs`, without bake). */
const ANALYSIS_INPUT_NAMES = [
  'analysis',
  'prometheus-url',
  'prometheus-token',
  'prometheus-username',
  'prometheus-password',
  'prometheus-ca',
] as const;

/**
 * Any analysis input set, or a bake window: only then do the deploy entries load the analysis package (their
 * start stays lean without it), whose planner then says what is missing or stray.
 */
export function analysisAsked(values: Record<string, unknown>): boolean {
  return ANALYSIS_INPUT_NAMES.some((name) => Boolean(values[name])) || Number(values.bake) > 0;
}
