/**
 * What a new user needs after the first start, as plain text on stderr (not a JSON log line
 * to dig out): the generated admin key as a line to paste, and what to run next.
 */
export function firstStartBanner(adminKey: string, port: number): string {
  const rule = '─'.repeat(72);
  return [
    '',
    rule,
    '  AgentMesh generated an admin key for the default tenant. It is shown once:',
    '',
    `    export ADMIN_API_KEY=${adminKey}`,
    '',
    '  Paste that line into another terminal, then try:',
    '',
    `    curl -s -H "Authorization: Bearer $ADMIN_API_KEY" http://localhost:${port}/api/v1/agents`,
    // Pointed at this service: the example's default is port 3000.
    `    AGENTMESH_URL=http://localhost:${port} npm run example:quickstart`,
    '',
    `  API docs: http://localhost:${port}/docs`,
    rule,
    '',
    '',
  ].join('\n');
}
