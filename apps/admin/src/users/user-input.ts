import { isValidUsername } from '@twinwire/schemas/primitives';

const MIN_PASSWORD_LENGTH = 12;

/** What the API would refuse in a new user's name, said before asking it. */
export function usernameProblem(name: string): string | undefined {
  if (name === '' || isValidUsername(name)) return undefined;
  return 'Use 1–128 characters without / + # or control characters (a username becomes an MQTT topic level).';
}

export function passwordProblem(password: string): string | undefined {
  if (password === '' || password.length >= MIN_PASSWORD_LENGTH) return undefined;
  return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
}
