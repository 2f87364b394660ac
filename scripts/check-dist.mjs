#!/usr/bin/env node
// Rebuilds dist/ and fails when it differs from what is committed: the runner executes dist/, not the source.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const status = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { encoding: 'utf8' });
if (status.trim() === '') {
  console.log('dist/ is current.');
  process.exit(0);
}
const stat = execFileSync('git', ['diff', '--stat', '--', 'dist'], { encoding: 'utf8' });
const message = `dist/ differs from a fresh build. Run \`npm run build\` and commit dist/.\n${status}${stat}`;
console.error(
  `::error title=dist is stale::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`,
);
if (process.env.GITHUB_STEP_SUMMARY) {
  appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### dist/ is stale\n\n\`\`\`\n${status}${stat}\`\`\`\n`);
}
process.exit(1);
