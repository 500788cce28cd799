import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// verbose: errors carry their schema, so a refusal can name the allowed values and parameters.
const shared: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  verbose: true,
};

/**
 * Query strings and path parameters arrive as text and are coerced to their schema's types;
 * JSON bodies already carry types, so a wrong one is refused rather than coerced (a number
 * where a string belongs is a client bug to report, not to paper over). Unknown properties
 * are refused everywhere (schemas say `additionalProperties: false`).
 */
export const validation = fp(
  (app: FastifyInstance) => {
    const strict = addFormats(new Ajv({ ...shared, coerceTypes: false }));
    const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
    app.setValidatorCompiler(({ schema, httpPart }) =>
      (httpPart === 'body' ? strict : coercing).compile(schema),
    );
  },
  { name: 'validation' },
);
