import { describe, expect, it } from 'vitest';
import { layoutDag, nodeWidth, NODE_HEIGHT } from './dag-layout';

const step = (key: string, dependsOn: string[] = [], status = 'queued') => ({
  key,
  dependsOn,
  status,
});

describe('layoutDag', () => {
  it('places dependencies left of their dependants, one edge per dependency', () => {
    const graph = layoutDag([
      step('fetch'),
      step('lint', ['fetch']),
      step('test', ['fetch']),
      step('report', ['lint', 'test']),
    ]);
    const at = Object.fromEntries(graph.nodes.map((node) => [node.key, node]));
    expect(at.fetch.x).toBeLessThan(at.lint.x);
    expect(at.fetch.x).toBeLessThan(at.test.x);
    expect(at.lint.x).toBeLessThan(at.report.x);
    expect(at.test.x).toBeLessThan(at.report.x);
    // Siblings share a rank and do not overlap.
    expect(at.lint.x).toBe(at.test.x);
    expect(Math.abs(at.lint.y - at.test.y)).toBeGreaterThanOrEqual(NODE_HEIGHT);
    expect(graph.edges.map((edge) => `${edge.from}->${edge.to}`).sort()).toEqual([
      'fetch->lint',
      'fetch->test',
      'lint->report',
      'test->report',
    ]);
    for (const edge of graph.edges) expect(edge.points.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps every box inside the drawing', () => {
    const graph = layoutDag([step('a'), step('b', ['a']), step('c', ['b']), step('d')]);
    for (const node of graph.nodes) {
      expect(node.x - node.width / 2).toBeGreaterThanOrEqual(0);
      expect(node.y - node.height / 2).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width / 2).toBeLessThanOrEqual(graph.width);
      expect(node.y + node.height / 2).toBeLessThanOrEqual(graph.height);
    }
  });

  it('keeps the status and the order of the steps it was given', () => {
    const graph = layoutDag([step('one', [], 'succeeded'), step('two', ['one'], 'running')]);
    expect(graph.nodes.map((node) => [node.key, node.status])).toEqual([
      ['one', 'succeeded'],
      ['two', 'running'],
    ]);
  });

  it('leaves out a dependency that names no step instead of inventing a node', () => {
    const graph = layoutDag([step('only', ['ghost'])]);
    expect(graph.nodes.map((node) => node.key)).toEqual(['only']);
    expect(graph.edges).toEqual([]);
  });

  it('makes boxes wide enough for long labels', () => {
    const long = 'a-very-long-step-key-that-needs-room';
    expect(nodeWidth(step(long))).toBeGreaterThan(nodeWidth(step('x')));
    expect(nodeWidth({ ...step('x'), detail: 'a-long-skill-name-here' })).toBeGreaterThan(
      nodeWidth(step('x')),
    );
  });

  it('lays out an empty graph', () => {
    expect(layoutDag([]).nodes).toEqual([]);
  });
});
