import { Type } from 'typebox';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer')]);

/** The signed-in user: `GET /auth/me`, and the `user` of a session. */
export const UserView = Type.Object({ id: Type.String(), username: Type.String(), role: Role });

/** What signing in or refreshing answers with. */
export const Session = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  refreshToken: Type.String({ description: 'single use: exchange it at /auth/refresh' }),
  user: UserView,
});

export const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** `POST /auth/refresh` and `POST /auth/logout`: the refresh token to spend. */
export const RefreshTokenBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
