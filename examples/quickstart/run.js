// Your first workflow: three agents (planner, writer, reviewer), a definition that fans out
// to three writing steps and back in to a review, one run started and awaited.
//
//   ADMIN_API_KEY=... npm run example:quickstart      (AGENTMESH_URL defaults to :3000)
const { AgentMeshClient, AgentMeshError } = require('../../packages/sdk');
const planner = require('./planner');
const writer = require('./writer');
const reviewer = require('./reviewer');

const baseUrl = process.env.AGENTMESH_URL ?? 'http://127.0.0.1:3000';
const adminKey = process.env.ADMIN_API_KEY;

async function main() {
  if (!adminKey) throw new Error('set ADMIN_API_KEY (npm start prints it on the first start)');
  const client = new AgentMeshClient({ baseUrl, apiKey: adminKey });

  // Each agent works with a key of its own, bound to it: it may only act as itself.
  const workers = [];
  for (const agent of [planner, writer, reviewer]) {
    const { key } = await client.apiKeys.create({
      name: `quickstart ${agent.id}`,
      scopes: ['tasks:work', 'agents:write'],
      agentId: agent.id,
    });
    const worker = agent.create({ baseUrl, apiKey: key });
    worker.on((event) => {
      if (event.kind === 'failed') {
        console.log(
          `  ${event.task.stepKey}: attempt ${event.task.attempt} failed: ${event.error.message}`,
        );
      }
    });
    workers.push(worker);
  }
  await Promise.all(workers.map((worker) => worker.start()));

  await client.definitions.create({
    key: 'quickstart-article',
    name: 'Plan, write three sections in parallel, review',
    steps: [
      { key: 'plan', skill: 'plan' },
      { key: 'intro', skill: 'write', dependsOn: ['plan'] },
      { key: 'body', skill: 'write', dependsOn: ['plan'], retryBackoff: { initialSeconds: 1 } },
      { key: 'conclusion', skill: 'write', dependsOn: ['plan'] },
      { key: 'review', skill: 'review', dependsOn: ['intro', 'body', 'conclusion'] },
    ],
  });
  const run = await client.workflows.start({
    definitionKey: 'quickstart-article',
    input: { topic: 'control planes for AI agents' },
  });
  console.log(`run ${run.id} started`);
  const done = await client.workflows.waitForCompletion(run.id, { timeoutMs: 60_000 });
  console.log(`run ${done.id} ${done.status}`);
  for (const step of done.steps) {
    console.log(
      `  ${step.key.padEnd(10)} ${step.status} by ${step.task?.agentId} (attempt ${step.task?.attempt})`,
    );
  }
  console.log('\n' + JSON.stringify(done.output?.review, null, 2));

  await Promise.all(workers.map((worker) => worker.stop()));
  if (done.status !== 'succeeded') process.exitCode = 1;
}

main().catch((error) => {
  console.error(error instanceof AgentMeshError ? `${error.message} (${error.type})` : error);
  process.exitCode = 1;
});
