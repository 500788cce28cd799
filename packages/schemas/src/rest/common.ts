import { Type } from 'typebox';

export const ErrorResponse = Type.Object({
  code: Type.String({ description: 'stable, e.g. TWW_VALIDATION' }),
  message: Type.String(),
});

/** Refuses every query parameter: for routes that take none. */
export const NoQuery = Type.Object({}, { additionalProperties: false });
