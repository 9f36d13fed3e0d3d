import { Graph, layout } from '@dagrejs/dagre';

export interface DagStep {
  key: string;
  dependsOn: string[];
  /** Shown under the key: the step's status, or its kind/skill in a definition. */
  status: string;
  detail?: string;
}

export interface PlacedNode extends DagStep {
  /** Centre of the box. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const NODE_HEIGHT = 52;
const CHAR_WIDTH = 7.5;
const MIN_WIDTH = 120;

/** The width in pixels of one line of a box's text: its key (bold) or its second line. */
export type Measure = (text: string, bold: boolean) => number;

/** An estimate where nothing can measure text (tests); the view measures the real glyphs. */
const estimate: Measure = (text) => text.length * CHAR_WIDTH;

/** The second line of a box: status, then kind or skill. */
export function secondLine(step: DagStep): string {
  return step.detail ? `${step.status} · ${step.detail}` : step.status;
}

/** Box width that fits the longer of the two lines of text (SVG text does not wrap). */
export function nodeWidth(step: DagStep, measure: Measure = estimate): number {
  const widest = Math.max(measure(step.key, true), measure(secondLine(step), false));
  return Math.max(MIN_WIDTH, Math.ceil(widest) + 24);
}

/**
 * Lays a step graph out left to right with dagre: dependencies before dependants, edges
 * routed around boxes. Dependencies naming no step (never the case for a valid definition)
 * are left out rather than drawn to nowhere.
 */
export function layoutDag(steps: DagStep[], measure: Measure = estimate): DagLayout {
  const graph = new Graph<
    {
      rankdir: string;
      nodesep: number;
      ranksep: number;
      marginx: number;
      marginy: number;
      width?: number;
      height?: number;
    },
    { width: number; height: number; x: number; y: number },
    { points?: Array<{ x: number; y: number }> }
  >();
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const keys = new Set(steps.map((step) => step.key));
  for (const step of steps) {
    graph.setNode(step.key, {
      width: nodeWidth(step, measure),
      height: NODE_HEIGHT,
      x: 0,
      y: 0,
    });
  }
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (keys.has(dependency)) graph.setEdge(dependency, step.key);
    }
  }
  layout(graph);
  const nodes = steps.map((step) => {
    const node = graph.node(step.key);
    return { ...step, x: node.x, y: node.y, width: node.width, height: node.height };
  });
  const edges = graph.edges().map((edge) => ({
    from: edge.v,
    to: edge.w,
    points: (graph.edge(edge).points ?? []).map((point) => ({ x: point.x, y: point.y })),
  }));
  const label = graph.graph();
  return {
    nodes,
    edges,
    width: Math.ceil(label.width ?? 0),
    height: Math.ceil(label.height ?? 0),
  };
}
