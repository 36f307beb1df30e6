/** French of the help texts of `archive`, `journal`, `extend`, `pdf`, `asic` and `sign`'s levels (keyed by the English text, as cli/help/fr-core.ts). */
export const helpFrLongterm: Record<string, string> = {
};
