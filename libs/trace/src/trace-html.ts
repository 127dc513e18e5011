import { drawDiagram } from './diagram-page';
import type { TraceEvent } from './event-record';
import { buildDiagram, type DiagramModel } from './trace-model';

const STYLE = `
  body { font: 13px system-ui, sans-serif; margin: 0; color: #222; }
  header { padding: 8px 12px; border-bottom: 1px solid #ccc; background: #fafafa; }
  h1 { font-size: 16px; margin: 0 0 4px; }
  #counts { margin: 4px 0; padding-left: 18px; }
  #filters label { margin-right: 10px; white-space: nowrap; }
  #legend span { margin-right: 14px; white-space: nowrap; }
  #lane-names { position: relative; height: 20px; border-bottom: 1px solid #ddd; background: #fff; }
  .lane-name { position: absolute; text-align: center; font-weight: 600; }
  #scroller { overflow: auto; height: calc(100vh - 190px); position: relative; }
  .lane { stroke: #bbb; stroke-width: 1; }
  .arrow { stroke-width: 1.5; pointer-events: none; }
  .arrow.hovered { stroke-width: 4; }
  .arrow-hit { stroke: transparent; stroke-width: 10; pointer-events: stroke; }
  .arrow.lost { stroke-dasharray: 4 3; }
  .section { fill: #1f77b4; opacity: 0.3; }
  .leader-mark { fill: #d62728; font-size: 16px; }
  .clock-mark { fill: #8c564b; }
  .violation-mark { fill: #d62728; font-weight: 600; }
  .selected-mark { stroke: #000; stroke-width: 2.5; }
  #tooltip { position: absolute; display: none; background: #222; color: #fff; padding: 4px 8px; border-radius: 4px;
    font: 12px ui-monospace, monospace; pointer-events: none; max-width: 700px; z-index: 10; }
`;

/** What the diagram's marks mean, in words and shapes (not colour alone); the live view shows it too. */
export const DIAGRAM_LEGEND = `
  <span>● event (colour: algorithm)</span><span>→ message, send to receive (dashed: not delivered)</span>
  <span><svg width="14" height="12"><rect width="14" height="12" fill="#1f77b4" opacity="0.3"/></svg> critical section</span>
  <span style="color:#d62728">★ leader change</span><span style="color:#8c564b">◆ clock adjustment</span><span style="color:#d62728">✗ a violated invariant (simulated runs)</span>
  <span>hover an arrow or an event for its Lamport and vector stamps; time flows down</span>`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);
}

/**
 * One self-contained HTML page (no network needed to open it): the space-time diagram of a run, one lane per peer,
 * every message an arrow from send to receive, stamps on hover, critical sections shaded, leader changes and clock
 * adjustments marked, a filter per algorithm and per peer, a legend, and message counts per operation in the header.
 */
export function renderTraceHtml(events: readonly TraceEvent[], title = 'distlab run'): string {
  const model: DiagramModel = buildDiagram(events, title);
  const data = JSON.stringify(model).replace(/</g, '\\u003c');
  const delivered = model.messages.filter((message) => message.to !== undefined).length;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <div id="summary" data-lanes="${model.lanes.length}" data-events="${model.events.length}" data-arrows="${model.messages.length}">
    ${model.lanes.length} processes, ${model.events.length} events, ${model.messages.length} messages (${delivered} delivered)
  </div>
  <ul id="counts">${model.counts.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>
  <div id="filters">Show: </div>
  <div>Zoom <input id="zoom" type="range" min="3" max="40" value="18"></div>
  <div id="legend">${DIAGRAM_LEGEND}</div>
</header>
<div id="lane-names"></div>
<div id="scroller"><svg id="diagram" xmlns="http://www.w3.org/2000/svg"></svg></div>
<div id="tooltip"></div>
<script>
// Transpilers that keep function names (esbuild, under tsx) wrap functions in __name(...): a no-op here.
var __name = function (target) { return target; };
(${drawDiagram.toString()})(${data});
</script>
</body>
</html>
`;
}

/**
 * The run as ShiViz reads it: the parser regex on the first line (paste it into ShiViz's "regular expression" field,
 * which skips lines that do not match), then one line per event in each peer's log order.
 */
export function renderShiviz(events: readonly TraceEvent[]): string {
  const regex = '^(?<timestamp>\\S+) (?<host>peer-\\d+) (?<clock>\\{.*?\\}) (?<event>.*)$';
  const lines = [...events]
    .sort((a, b) => a.peer - b.peer || a.incarnation - b.incarnation || a.sequence - b.sequence)
    .map((event) => {
      const vector = Object.fromEntries([...event.vector].map(([peer, count]) => [`peer-${peer}`, count]));
      return `${event.wallTime} peer-${event.peer} ${JSON.stringify(vector)} ${event.label}`;
    });
  return [`# ShiViz parser regex: ${regex}`, ...lines, ''].join('\n');
}
