export function startAirflowStub(options: {
  dagsRoot: string;
  port?: number;
  host?: string;
  python?: string;
  log?: (line: string) => void;
}): Promise<{ url: string; close: () => Promise<void> }>;
