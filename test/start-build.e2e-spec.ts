import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const { serviceBuildReason } = require('../scripts/build-state') as {
  serviceBuildReason(root: string): string | undefined;
};

/**
 * `npm start` builds the service when its sources are newer than its build. The build is
 * incremental: a change to one file writes that file's output and the build info, not main.js.
 */
describe('npm start: when the service is built', () => {
  let root: string;
  const at = (path: string, seconds: number) => {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
    utimesSync(file, seconds, seconds);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'start-build-'));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'migrations'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds on the first start', () => {
    at('src/main.ts', 1_000);
    expect(serviceBuildReason(root)).toBe('first start');
  });

  it('does not build again after an incremental build that left main.js as it was', () => {
    at('dist/src/main.js', 1_000);
    at('src/main.ts', 900);
    at('src/database/client-errors.ts', 2_000);
    at('dist/src/database/client-errors.js', 2_100);
    at('dist/.tsbuildinfo', 2_100);
    expect(serviceBuildReason(root)).toBeUndefined();
  });

  it('builds when a source or a migration changed since the last build', () => {
    at('dist/src/main.js', 1_000);
    at('dist/.tsbuildinfo', 2_100);
    at('src/main.ts', 900);
    at('src/agents/agents.service.ts', 2_200);
    expect(serviceBuildReason(root)).toBe('the sources changed since the last build');
    at('src/agents/agents.service.ts', 2_000);
    at('migrations/1763800390000-next.ts', 2_300);
    expect(serviceBuildReason(root)).toBe('the sources changed since the last build');
  });
});
