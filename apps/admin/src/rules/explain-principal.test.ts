import { describe, expect, it } from 'vitest';
import { principalFor, ROLES_OF_KIND } from './explain-principal.ts';

const me = { id: 'u-1', username: 'ada', role: 'admin' as const };

describe('principalFor', () => {
  it('starts as yourself', () => {
    expect(principalFor('user', me)).toEqual({
      kind: 'user',
      id: 'u-1',
      role: 'admin',
      username: 'ada',
    });
  });

  it('switching to a device keeps nothing of the user: role device, no username', () => {
    expect(principalFor('device', me)).toEqual({
      kind: 'device',
      id: '',
      role: 'device',
      username: '',
    });
    expect(ROLES_OF_KIND.device).toEqual(['device']);
  });

  it('switching to the service names the service principal', () => {
    expect(principalFor('service', me)).toMatchObject({ id: 'service', role: 'service' });
  });
});
