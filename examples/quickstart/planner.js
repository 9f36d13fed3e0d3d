// The planner agent: one handler, for the skill `plan`.
const { Worker } = require('../../packages/sdk'); // outside this repository: require('@agentmesh/sdk')

exports.id = 'quickstart-planner';

exports.create = (options) =>
  new Worker({
    ...options,
    agent: { id: exports.id, name: 'Planner' },
    handlers: {
      plan: async (_task, ctx) => {
        ctx.log.info('planning', { topic: ctx.input.topic });
        return { title: `All about ${ctx.input.topic}`, sections: ['intro', 'body', 'conclusion'] };
      },
    },
  });
