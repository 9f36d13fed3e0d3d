import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config';
import { CONFIGURATION_DOC, renderConfigurationDoc, SETTINGS } from './settings';

/** Every variable name the config loader asks for. */
function namesRead(): string[] {
  const names = new Set<string>();
  loadConfig(
    new Proxy<Record<string, string | undefined>>(
      {},
      {
        get: (_target, name) => {
          if (typeof name === 'string') names.add(name);
          return undefined;
        },
      },
    ),
  );
  return [...names].sort();
}

describe('settings documentation', () => {
  it('describes exactly the variables the service reads', () => {
    expect(SETTINGS.map((setting) => setting.name).sort()).toEqual(namesRead());
  });

  it('docs/configuration.md is rendered from it (run `npm run docs:config` after a change)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', CONFIGURATION_DOC), 'utf8');
    expect(committed).toBe(renderConfigurationDoc());
  });
});
