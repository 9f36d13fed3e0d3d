import { useMemo, type KeyboardEvent } from 'react';
import { layoutDag, secondLine, type DagStep, type Measure } from './dag-layout';

/**
 * A step graph as SVG: one box per step coloured by its status, its key and status as SVG
 * text, arrows from dependencies. Each box is a button (Enter or Space selects it) named by
 * its visible text: "build succeeded · compile".
 */
export function DagView({
  steps,
  label,
  selected,
  onSelect,
}: {
  steps: DagStep[];
  label: string;
  selected?: string;
  onSelect?: (key: string) => void;
}) {
  const graph = useMemo(() => layoutDag(steps, measureText()), [steps]);
  const onKey = (key: string) => (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect?.(key);
    }
  };
  return (
    <div className="dag" role="region" aria-label={`${label} (scrolls)`} tabIndex={0}>
      <svg
        width={graph.width}
        height={graph.height}
        viewBox={`0 0 ${graph.width} ${graph.height}`}
        role="group"
        aria-label={label}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="edge-head" />
          </marker>
        </defs>
        {graph.edges.map((edge) => (
          <polyline
            key={`${edge.from}->${edge.to}`}
            className="edge"
            points={edge.points.map((point) => `${point.x},${point.y}`).join(' ')}
            markerEnd="url(#arrow)"
          />
        ))}
        {graph.nodes.map((node) => (
          <g
            key={node.key}
            className={`node node-${node.status}${selected === node.key ? ' node-selected' : ''}`}
            data-status={node.status}
            transform={`translate(${node.x - node.width / 2} ${node.y - node.height / 2})`}
            role={onSelect ? 'button' : 'img'}
            tabIndex={onSelect ? 0 : undefined}
            aria-label={onSelect ? undefined : `${node.key} ${secondLine(node)}`}
            aria-pressed={onSelect ? selected === node.key : undefined}
            onClick={onSelect ? () => onSelect(node.key) : undefined}
            onKeyDown={onSelect ? onKey(node.key) : undefined}
          >
            <rect width={node.width} height={node.height} rx="8" />
            {/* One text, two lines: its content is the box's accessible name. */}
            <text>
              <tspan x="12" y="21" className="node-key">
                {node.key}
              </tspan>{' '}
              <tspan x="12" y="40" className="node-status">
                {secondLine(node)}
              </tspan>
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}

let measurer: Measure | undefined;

/**
 * Measures a line as the boxes draw it (13 px, the key bold: `.node text` in styles.css) with
 * a canvas in the page's font, so that wide glyphs (W, m, CJK) get the room they take; an
 * estimate per character fell short of them and the text ran out of its box.
 */
function measureText(): Measure | undefined {
  if (measurer) return measurer;
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return undefined;
  const family = getComputedStyle(document.body).fontFamily || 'sans-serif';
  measurer = (text, bold) => {
    context.font = `${bold ? 700 : 400} 13px ${family}`;
    return context.measureText(text).width;
  };
  return measurer;
}
