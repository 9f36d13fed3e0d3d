import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGURATION_DOC, renderConfigurationDoc } from './settings';

/** `npm run docs:config`: writes docs/configuration.md from the settings' descriptions. */
const target = join(__dirname, '..', '..', '..', CONFIGURATION_DOC);
writeFileSync(target, renderConfigurationDoc());
console.log(`wrote ${target}`);
