/**
 * YAML that goes over the suite's parser limits. Nine anchors that each alias the one before nine times
 * ("billion laughs") expand into 9^9 strings; a few thousand open brackets nest deeper than the parser goes.
 */
export function aliasBomb(prefix = ''): string {
  const lines = [`${prefix}a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const previous = `*${names[i - 1]}`;
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(previous).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

export function deepNesting(depth = 5000): string {
  return `nested: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}
