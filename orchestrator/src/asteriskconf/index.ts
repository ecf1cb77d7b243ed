export { checkAsteriskConfig, type CheckOptions } from './checks.js';
export { parseConfig, includeResolver, getValue, getValues, type Problem, type ConfSection, type ConfVar, type ParsedConfig } from './parser.js';
export { buildDialplan, extensionMatches, findExtension, type Dialplan } from './dialplan.js';
