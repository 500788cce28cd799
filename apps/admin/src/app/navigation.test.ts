import { describe, expect, it } from 'vitest';
import { can, type Capability } from '@twinwire/schemas/capabilities';
import { navigationFor } from './navigation.ts';

describe('navigationFor', () => {
  const labels = (role: 'viewer' | 'operator' | 'admin') =>
    navigationFor((capability: Capability) => can(role, capability)).map((item) => item.label);

  it('shows viewers the pages every role may see', () => {
    expect(labels('viewer')).toEqual([
      'Overview',
      'Devices',
      'Alarms',
      'Alarm rules',
      'Topic explorer',
      'Protocol lab',
    ]);
  });

  it('adds Clients, Retained and Access rules for operators, and Webhooks and Users for admins only', () => {
    expect(labels('operator')).toEqual([
      'Overview',
      'Devices',
      'Alarms',
      'Alarm rules',
      'Clients',
      'Retained',
      'Topic explorer',
      'Access rules',
      'Protocol lab',
    ]);
    expect(labels('admin')).toEqual([
      'Overview',
      'Devices',
      'Alarms',
      'Alarm rules',
      'Webhooks',
      'Clients',
      'Retained',
      'Topic explorer',
      'Access rules',
      'Users',
      'Protocol lab',
    ]);
  });
});
