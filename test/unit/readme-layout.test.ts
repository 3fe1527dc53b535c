/** The README's layout section names every folder and top-level file of src/, and nothing that is gone. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe("the README's layout section", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Layout');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);

  it('names every folder and file under src/', () => {
    expect(start).toBeGreaterThan(0);
    for (const entry of readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })) {
      const name = entry.isDirectory() ? `src/${entry.name}/` : `src/${entry.name}`;
      expect({ name, named: section.includes(`\`${name}\``) }).toEqual({ name, named: true });
    }
  });

  it('names no src/ path that does not exist', () => {
    for (const [, named] of section.matchAll(/`(src\/[^`\s]+)`/g)) {
      expect({ named, exists: existsSync(path.join(ROOT, named)) }).toEqual({ named, exists: true });
    }
  });
});
