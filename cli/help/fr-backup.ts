/** French of the help texts of `backup` (keyed by the English text, as cli/help/fr-core.ts). */
export const helpFrBackup: Record<string, string> = {
};
