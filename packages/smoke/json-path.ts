export type PathStep = string | number;

/**
 * Parses the small JSON path language of the checks file: `$.status`, `$.items[0].name`,
 * `$['content-type']`, `$.items[-1]` (the last item). The leading `$` may be left out.
 * Returns the steps, or a reason the path is not valid.
 */
export function parseJsonPath(path: string): { steps: PathStep[] } | { error: string } {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  else if (rest !== '' && !rest.startsWith('[') && !rest.startsWith('.')) rest = `.${rest}`;
  const steps: PathStep[] = [];
  while (rest !== '') {
    let match: RegExpExecArray | null;
    if ((match = /^\.([^.[\]\s'"]+)/.exec(rest))) {
      steps.push(match[1] as string);
    } else if ((match = /^\[\s*(-?\d+)\s*\]/.exec(rest))) {
      steps.push(Number(match[1]));
    } else if (
      (match = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) ||
      (match = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))
    ) {
      steps.push((match[1] as string).replace(/\\(.)/g, '$1'));
    } else {
      return { error: `cannot read "${rest}" in JSON path "${path}"` };
    }
    rest = rest.slice(match[0].length);
  }
  return { steps };
}

/** The value at `steps` inside `document`, or found: false when some step does not exist. */
export function valueAt(document: unknown, steps: readonly PathStep[]): { found: boolean; value?: unknown } {
  let current: unknown = document;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return { found: false };
      const index = step < 0 ? current.length + step : step;
      if (index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => jsonEqual(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && jsonEqual(left[key], right[key]))
  );
}
