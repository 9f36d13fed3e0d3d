// The reviewer agent: gets every section (the fan-in) and approves the article.
const { Worker } = require('../../packages/sdk'); // outside this repository: require('@agentmesh/sdk')

exports.id = 'quickstart-reviewer';

exports.create = (options) =>
  new Worker({
    ...options,
    agent: { id: exports.id, name: 'Reviewer' },
    handlers: {
      review: async (_task, ctx) => {
        const sections = ['intro', 'body', 'conclusion'].map((key) => ctx.dependencies[key]);
        return { approved: sections.every(Boolean), article: sections.join('\n') };
      },
    },
  });
