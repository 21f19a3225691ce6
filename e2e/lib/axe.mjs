// The automated accessibility check of the page: axe-core from npm, put
// into the page by the test (the page's security policy allows no script
// but its own, and DevTools evaluation is not bound by it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** IMPACTS are axe's levels, worst first. */
export const IMPACTS = ['critical', 'serious', 'moderate', 'minor'];

/** axeViolations runs axe over the whole page as it is now and returns its violations. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations;
}

/** countByImpact counts violations (rules) by impact. */
export function countByImpact(violations) {
  const counts = Object.fromEntries(IMPACTS.map((i) => [i, 0]));
  for (const v of violations) counts[v.impact] = (counts[v.impact] || 0) + 1;
  return counts;
}

/** describe lists violations one per line, with where they are. */
export function describe(violations) {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`).join('\n');
}
