import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@twinwire/db/client';
import {
  listUsers,
  readUser,
  revokeRefreshTokens,
  updateUser,
  type UserRecord,
} from '@twinwire/db/user-admin';
import { createUser, setUserPassword } from '@twinwire/db/users';
import { Type } from 'typebox';
import { sqlState } from '../devices/store.ts';
import { Conflict, NotFound } from '../errors.ts';
import { ErrorResponse, NoQuery } from '@twinwire/schemas/rest/common';
import {
  CreateUserBody,
  PasswordBody,
  UpdateUserBody,
  UserList,
  UserParams,
  UserView,
} from '@twinwire/schemas/rest/users';

const UNIQUE_VIOLATION = '23505';
const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

function userView(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabledAt !== null,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** Users of the admin UI and the API: admins list, create, change, disable and reset them. */
export const userRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, options) => {
  const { db } = options;

  app.get(
    '/users',
    {
      config: { capability: 'users.manage' },
      schema: {
        tags: ['users'],
        operationId: 'listUsers',
        summary: 'Every user, by username',
        querystring: NoQuery,
        response: { 200: UserList, 400: ErrorResponse, ...denied },
      },
    },
    async () => ({ items: (await listUsers(db)).map(userView) }),
  );

  app.post(
    '/users',
    {
      config: { capability: 'users.manage' },
      schema: {
        tags: ['users'],
        operationId: 'createUser',
        summary: 'Create a user with a role and an initial password',
        querystring: NoQuery,
        body: CreateUserBody,
        response: { 201: UserView, 400: ErrorResponse, ...denied, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      let created;
      try {
        created = await createUser(db, request.body);
      } catch (error) {
        if (sqlState(error) === UNIQUE_VIOLATION)
          throw new Conflict(`a user named '${request.body.username}' already exists`);
        throw error;
      }
      const user = await readUser(db, created.id);
      if (!user) throw new NotFound(`user ${created.id}`);
      return reply.status(201).send(userView(user));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { capability: 'users.manage' },
      schema: {
        tags: ['users'],
        operationId: 'updateUser',
        summary: 'Change a user’s role, or disable or enable them',
        description:
          'The change ends the user’s current access tokens on every API instance (a role change is picked up at the next refresh); disabling also revokes their refresh tokens. The last enabled admin cannot be demoted or disabled (409).',
        params: UserParams,
        querystring: NoQuery,
        body: UpdateUserBody,
        response: {
          200: UserView,
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request) => {
      const outcome = await updateUser(db, request.params.id, request.body);
      if (!outcome.ok) {
        if (outcome.reason === 'not-found') throw new NotFound(`user ${request.params.id}`);
        throw new Conflict(
          'this is the last enabled admin: make another user admin first, so someone can still manage users and rules',
        );
      }
      app.userAccess.record(outcome.user.id, Date.now());
      return userView(outcome.user);
    },
  );

  app.post(
    '/users/:id/password',
    {
      config: { capability: 'users.manage' },
      schema: {
        tags: ['users'],
        operationId: 'resetUserPassword',
        summary: 'Set a new password for a user; their sessions end',
        params: UserParams,
        querystring: NoQuery,
        body: PasswordBody,
        response: { 204: Type.Null(), 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await setUserPassword(db, request.params.id, request.body.password)))
        throw new NotFound(`user ${request.params.id}`);
      await revokeRefreshTokens(db, request.params.id);
      app.userAccess.record(request.params.id, Date.now());
      return reply.status(204).send(null);
    },
  );
};
