import { USER_ROLES } from '../capabilities.ts';
import { Username } from '../primitives.ts';
import { Type } from 'typebox';

const UserRole = Type.Enum(USER_ROLES, {
  description:
    'viewer reads; operator also manages devices and clients; admin also rules and users',
});

/** At least 12 characters, as for ADMIN_PASSWORD; the API keeps only its scrypt hash. */
const Password = Type.String({ minLength: 12, maxLength: 1024 });

const Timestamp = Type.String({ format: 'date-time' });

export const UserView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    role: UserRole,
    disabled: Type.Boolean(),
    disabledAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

export const UserList = Type.Object(
  { items: Type.Array(UserView) },
  { additionalProperties: false },
);

export const UserParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const CreateUserBody = Type.Object(
  { username: Username, password: Password, role: UserRole },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(UserRole),
    disabled: Type.Optional(
      Type.Boolean({ description: 'true: the user cannot sign in and their sessions end' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
