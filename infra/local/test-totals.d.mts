/** Removes last run's reports, so a package that crashes now cannot count old results. */
export function clearTestReports(root: string): void;

/** Prints the workspace's totals, last line `N passed, N failed`; true when all is green. */
export function printTestTotals(root: string, options?: { commandFailed?: boolean }): boolean;
