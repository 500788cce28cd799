import { ACTIONS, EFFECTS, PRINCIPAL_KINDS, ROLES } from '@twinwire/acl/rules';
import { Type } from 'typebox';

const Effect = Type.Enum(EFFECTS, {
  description: 'deny wins over allow; without a matching allow, deny',
});
const Action = Type.Enum(ACTIONS, {
  description: 'publish to a topic, or subscribe to a filter',
});
const RuleRole = Type.Enum(ROLES, { description: 'every principal with this role' });
const PrincipalKind = Type.Enum(PRINCIPAL_KINDS, { description: 'what kind of principal' });

const RuleTopic = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'topic filter with + and #, and {deviceId} / {username} placeholders',
});
const Description = Type.String({ maxLength: 500 });
const Timestamp = Type.String({ format: 'date-time' });

export const RulePrincipal = Type.Object(
  { kind: PrincipalKind, id: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false, description: 'one device, user or service' },
);

const coreFields = {
  id: Type.String({ description: 'uuid, or default:<role>:<name> for built-in rules' }),
  effect: Effect,
  action: Action,
  topic: Type.String(),
  role: Type.Union([RuleRole, Type.Null()]),
  principal: Type.Union([RulePrincipal, Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  builtIn: Type.Boolean({ description: 'a default rule: read-only' }),
};

/** A rule as the decision engine sees it (no timestamps): what explain answers with. */
export const RuleCoreView = Type.Object(coreFields, { additionalProperties: false });

export const RuleView = Type.Object(
  {
    ...coreFields,
    createdAt: Type.Union([Timestamp, Type.Null()], { description: 'null for built-in rules' }),
    updatedAt: Type.Union([Timestamp, Type.Null()], { description: 'null for built-in rules' }),
  },
  { additionalProperties: false },
);

export const RuleList = Type.Object(
  { items: Type.Array(RuleView, { description: 'built-in rules first, then stored ones' }) },
  { additionalProperties: false },
);

export const RuleParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);

export const CreateRuleBody = Type.Object(
  {
    effect: Effect,
    action: Action,
    topic: RuleTopic,
    role: Type.Optional(RuleRole),
    principal: Type.Optional(RulePrincipal),
    description: Type.Optional(Description),
  },
  {
    additionalProperties: false,
    description: 'give exactly one of role and principal',
  },
);

export const UpdateRuleBody = Type.Object(
  {
    effect: Type.Optional(Effect),
    action: Type.Optional(Action),
    topic: Type.Optional(RuleTopic),
    role: Type.Optional(RuleRole),
    principal: Type.Optional(RulePrincipal),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'role or principal replaces the subject; description null clears it',
  },
);

export const ExplainBody = Type.Object(
  {
    principal: Type.Object(
      {
        kind: PrincipalKind,
        id: Type.String({ minLength: 1, maxLength: 256 }),
        role: RuleRole,
        username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      },
      { additionalProperties: false },
    ),
    action: Action,
    topic: Type.String({
      maxLength: 4096,
      description: 'a topic name (publish) or filter (subscribe)',
    }),
  },
  { additionalProperties: false },
);

export const ExplainResult = Type.Object(
  {
    allowed: Type.Boolean(),
    decidingRule: Type.Union([RuleCoreView, Type.Null()], {
      description: 'null when denied by default or the topic is invalid',
    }),
    reason: Type.String(),
    matchedRules: Type.Array(RuleCoreView),
  },
  { additionalProperties: false },
);
