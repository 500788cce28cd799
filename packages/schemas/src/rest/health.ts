import { Type } from 'typebox';

/** `GET /healthz`: the process answers. */
export const Liveness = Type.Object({ status: Type.Literal('ok') });

/** `GET /readyz`: `ready`, or (503) why not. */
export const Readiness = Type.Object({ status: Type.String() });
