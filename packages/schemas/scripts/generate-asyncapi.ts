import { writeFileSync } from 'node:fs';
import { renderAsyncApiJson } from '../src/asyncapi.ts';

const target = new URL('../asyncapi.json', import.meta.url);
writeFileSync(target, renderAsyncApiJson());
console.log(`wrote ${target.pathname}`);
