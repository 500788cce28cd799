// `pnpm generate:api-client`: rewrites @twinwire/api-client's generated types from the
// OpenAPI document this app serves. A test fails while the committed file is stale.
import { writeFile } from 'node:fs/promises';
import {
  apiClientTypesPath,
  renderApiClientTypes,
  servedOpenApiDocument,
} from './api-client-types.ts';

await writeFile(apiClientTypesPath, await renderApiClientTypes(await servedOpenApiDocument()));
console.log(`wrote ${apiClientTypesPath}`);
