import { twinwireConfig } from '@twinwire/eslint-config';

export default twinwireConfig(import.meta.dirname);
