import { describe, expect, it } from 'vitest';
import { CAPABILITIES, can, type Capability } from './capabilities.ts';

const every = Object.keys(CAPABILITIES) as Capability[];
const allowed = (role: Parameters<typeof can>[0]) => every.filter((c) => can(role, c));

describe('can', () => {
  it('lets a viewer read devices and alarms, nothing else', () => {
    expect(allowed('viewer')).toEqual(['devices.read', 'alarms.read']);
  });

  it('lets an operator do all but edit access rules, manage users and manage webhooks', () => {
    expect(allowed('operator')).toEqual(
      every.filter((c) => !['rules.write', 'users.manage', 'webhooks.manage'].includes(c)),
    );
  });

  it('lets an admin do everything', () => {
    expect(allowed('admin')).toEqual(every);
  });

  it('lets nobody in without a role', () => {
    expect(allowed(undefined)).toEqual([]);
  });
});
