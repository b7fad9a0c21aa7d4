/** The app version, read once from package.json. */
import { readFileSync } from 'node:fs';
import { projectPath } from './paths.ts';

export const APP_VERSION: string = (
  JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }
).version;
