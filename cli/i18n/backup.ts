/** Messages of the `backup` commands, English and French (same keys). */
export const backupEn: Record<string, string> = {
};

export const backupFr: Record<string, string> = {
};
