/**
 * A campaign's call script: what the agent says, shown in the screen pop of each call the dialler places. It may
 * name the contact and the agent with placeholders, filled in for each call; any other `{word}` is refused when
 * the script is saved, so a typo never reaches an agent as `{contcat}`.
 */
export const SCRIPT_PLACEHOLDERS = ['contact', 'agent'] as const;
export type ScriptPlaceholder = (typeof SCRIPT_PLACEHOLDERS)[number];

export const MAX_SCRIPT_LENGTH = 4000;

const PLACEHOLDER = /\{([^{}\s]*)\}/g;

/** Why a script cannot be saved (the first unknown placeholder), or null when it can. */
export function scriptProblem(script: string): string | null {
  for (const [, name] of script.matchAll(PLACEHOLDER)) {
    if (!(SCRIPT_PLACEHOLDERS as readonly string[]).includes(name ?? ''))
      return `unknown placeholder {${name ?? ''}}: use ${SCRIPT_PLACEHOLDERS.map((p) => `{${p}}`).join(' or ')}`;
  }
  return null;
}

/** The script for one call. A contact without a name in the list is "the customer". */
export function fillScript(
  script: string,
  values: { readonly contact: string | null; readonly agent: string },
): string {
  return script.replace(PLACEHOLDER, (whole, name: string) =>
    name === 'contact' ? (values.contact ?? 'the customer') : name === 'agent' ? values.agent : whole,
  );
}
