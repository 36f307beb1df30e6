/** Messages of the `mss` commands, English and French (same keys). */
export const mssEn: Record<string, string> = {
};

export const mssFr: Record<string, string> = {
};
