import { describe, expect, it } from 'vitest';
import { can, type Capability } from './permissions.ts';

const every: Capability[] = [
  'devices.read',
  'devices.write',
  'commands.send',
  'rules.read',
  'rules.write',
  'rules.explain',
  'errors.watch',
  'clients.read',
  'clients.act',
  'users.manage',
  'alarms.act',
  'webhooks.manage',
];

const allowed = (role: Parameters<typeof can>[0]) => every.filter((c) => can(role, c));

describe('can', () => {
  it('lets a viewer only read devices', () => {
    expect(allowed('viewer')).toEqual(['devices.read']);
  });

  it('lets an operator manage devices, clients and alarms, send commands and read and explain rules, not edit rules, users or webhooks', () => {
    expect(allowed('operator')).toEqual(
      every.filter((c) => c !== 'rules.write' && c !== 'users.manage' && c !== 'webhooks.manage'),
    );
  });

  it('lets an admin do everything', () => {
    expect(allowed('admin')).toEqual(every);
  });

  it('grants nothing without a signed-in role', () => {
    expect(allowed(undefined)).toEqual([]);
  });
});
