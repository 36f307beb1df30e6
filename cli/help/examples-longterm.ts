/** Examples of the longterm commands, by command path (see cli/help/examples.ts); an entry here replaces one there. */
import type { HelpExample } from './examples.js';

export const EXAMPLES_LONGTERM: Readonly<Record<string, readonly HelpExample[]>> = {
};
