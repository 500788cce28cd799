import { describe, expect, it } from 'vitest';
import { can } from '../auth/permissions.ts';
import { navigationFor } from './app-shell.tsx';

describe('navigationFor', () => {
  it('shows Access rules only to roles that may read them', () => {
    const labels = (role: 'viewer' | 'operator' | 'admin') =>
      navigationFor(can(role, 'rules.read')).map((item) => item.label);
    expect(labels('viewer')).toEqual(['Overview', 'Devices', 'Topic explorer', 'Protocol lab']);
    expect(labels('operator')).toContain('Access rules');
    expect(labels('admin')).toContain('Access rules');
  });
});
