/**
 * What the editor says about the version being edited versus the one Airflow runs: nothing until something was
 * deployed, then "Changes not deployed (v77 vs v72)" while the deployed version is behind.
 */
export function undeployedText(current: number, deployed: { version: number } | null): string | null {
  if (!deployed || deployed.version >= current) return null;
  return `Changes not deployed (v${current} vs v${deployed.version})`;
}
