// The writer agent: writes one section per task. Its first try at the body fails on purpose,
// to show a retry: any thrown error fails the attempt, and the service queues the next one.
const { Worker } = require('../../packages/sdk'); // outside this repository: require('@agentmesh/sdk')

exports.id = 'quickstart-writer';

exports.create = (options) =>
  new Worker({
    ...options,
    agent: { id: exports.id, name: 'Writer' },
    concurrency: 3,
    handlers: {
      write: async (_task, ctx) => {
        const section = ctx.stepKey; // intro, body or conclusion
        if (section === 'body' && ctx.attempt === 1) {
          throw Object.assign(new Error('the model timed out (simulated)'), { code: 'timeout' });
        }
        const { title } = ctx.dependencies.plan;
        await new Promise((resolve) => setTimeout(resolve, 200)); // "thinking"
        return `${section} of "${title}" (attempt ${ctx.attempt})`;
      },
    },
  });
