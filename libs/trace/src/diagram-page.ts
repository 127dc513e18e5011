/// <reference lib="dom" />
import type { DiagramModel } from './trace-model';

/** What a page that embeds the diagram can ask of it. */
export interface DiagramOptions {
  /** Called with an event's row when it is clicked (the live view steps to it). */
  onSelect?: (row: number) => void;
  /** Keep the newest rows in view while the model grows, unless the reader scrolled up. */
  follow?: boolean;
}

/** The drawn diagram: redraw it after the model changed, or mark one event as selected. */
export interface DiagramHandle {
  /** Redraws after `model`'s arrays were replaced or grew (new lanes and algorithms get their filters too). */
  refresh(model: DiagramModel): void;
  /** Marks the event at `row` (undefined: none) and scrolls it into view. */
  select(row: number | undefined): void;
}

/**
 * The browser half of the space-time diagram: it runs in the page, not in Node. It is written as one self-contained
 * function (no imports, no outer names) so that `trace-html.ts` can embed its source text into the static page, and
 * the live view (libs/live-view) bundles the same function: one drawing for both. The TypeScript compiler still checks
 * it. It draws lanes, events and arrows as SVG, but only the rows in view (and a margin), so a run of 10,000+ events
 * scrolls as easily as a small one, and a live run that grows for an hour stays smooth; zoom changes the row height.
 */
export function drawDiagram(initialModel: DiagramModel, options: DiagramOptions = {}): DiagramHandle {
  let model = initialModel;
  let selectedRow: number | undefined;
  const LANE_WIDTH = 150;
  const MARGIN_ROWS = 40;
  const COLORS: Record<string, string> = {
    'ricart-agrawala': '#1f77b4',
    bully: '#d62728',
    ring: '#9467bd',
    clock: '#2ca02c',
    cristian: '#ff7f0e',
    berkeley: '#8c564b',
    cluster: '#7f7f7f',
  };
  const colorOf = (algorithm: string) => COLORS[algorithm] ?? '#17becf';
  const svgNs = 'http://www.w3.org/2000/svg';
  const byId = (id: string) => document.getElementById(id)!;
  const scroller = byId('scroller');
  const svg = byId('diagram') as unknown as SVGSVGElement;
  const tooltip = byId('tooltip');
  // The model stays reachable from the page, for a look in the console and for end-to-end tests.
  (window as unknown as { distlabModel: DiagramModel }).distlabModel = model;
  const hiddenAlgorithms = new Set<string>();
  const hiddenPeers = new Set<number>();
  let rowHeight = 18;

  const laneX = (lane: number) => LANE_WIDTH / 2 + lane * LANE_WIDTH;
  const rowY = (row: number) => 20 + row * rowHeight;
  const visibleEvent = (row: number) => {
    const event = model.events[row];
    return event !== undefined && !hiddenAlgorithms.has(event.algorithm) && !hiddenPeers.has(event.peer);
  };
  const stamp = (row: number) => {
    const event = model.events[row];
    return `L=${event.lamport} V=[${event.vector}]`;
  };
  const element = (name: string, attributes: Record<string, string | number>, parent: Element = svg) => {
    const made = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
    parent.appendChild(made);
    return made;
  };
  const showTooltip = (text: string, x: number, y: number) => {
    tooltip.textContent = text;
    tooltip.style.display = 'block';
    tooltip.style.left = `${x + 12}px`;
    tooltip.style.top = `${y + 12}px`;
  };
  const hideTooltip = () => (tooltip.style.display = 'none');

  /** Where the last render stood: a scroll event that moved nothing (the one a refresh's own scroll causes) skips. */
  let renderedAt = { top: -1, height: -1 };

  function render(): void {
    renderedAt = { top: scroller.scrollTop, height: scroller.clientHeight };
    const height = rowY(model.events.length) + 20;
    svg.setAttribute('height', String(height));
    svg.setAttribute('width', String(model.lanes.length * LANE_WIDTH));
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const first = Math.max(0, Math.floor((scroller.scrollTop - 20) / rowHeight) - MARGIN_ROWS);
    const last = Math.min(
      model.events.length - 1,
      Math.ceil((scroller.scrollTop + scroller.clientHeight) / rowHeight) + MARGIN_ROWS,
    );
    model.lanes.forEach((lane, index) => {
      if (hiddenPeers.has(lane.peer)) return;
      element('line', { class: 'lane', x1: laneX(index), x2: laneX(index), y1: 0, y2: height, 'data-peer': lane.peer });
    });
    for (const section of model.sections) {
      if (section.toRow < first || section.fromRow > last || hiddenPeers.has(model.lanes[section.lane].peer)) continue;
      if (hiddenAlgorithms.has('ricart-agrawala')) continue;
      element('rect', {
        class: 'section',
        x: laneX(section.lane) - 10,
        y: rowY(section.fromRow),
        width: 20,
        height: Math.max(2, rowY(section.toRow) - rowY(section.fromRow)),
      });
    }
    model.messages.forEach((message, index) => {
      const to = message.to;
      const end = to ?? message.from + 1;
      if (end < first || message.from > last || !visibleEvent(message.from)) return;
      if (to !== undefined && !visibleEvent(to)) return;
      const from = model.events[message.from];
      const toLane = to === undefined ? from.lane + 0.4 : model.events[to].lane;
      const line = element('line', {
        class: to === undefined ? 'arrow lost' : 'arrow',
        'data-message': index,
        x1: laneX(from.lane),
        y1: rowY(message.from),
        x2: laneX(toLane),
        y2: rowY(end),
        stroke: colorOf(message.algorithm),
        'marker-end': 'url(#head)',
      });
      // A thin line is hard to point at: a wide transparent one on top takes the pointer for it.
      const hit = element('line', {
        class: 'arrow-hit',
        'data-message': index,
        x1: laneX(from.lane),
        y1: rowY(message.from),
        x2: laneX(toLane),
        y2: rowY(end),
      });
      const describe = () =>
        `${message.label}: peer-${from.peer} → ` +
        (to === undefined ? 'not delivered' : `peer-${model.events[to].peer}`) +
        ` | send ${stamp(message.from)}` +
        (to === undefined ? '' : ` | receive ${stamp(to)}`);
      hit.addEventListener('mouseenter', (mouse) => {
        line.classList.add('hovered');
        showTooltip(describe(), (mouse as MouseEvent).pageX, (mouse as MouseEvent).pageY);
      });
      hit.addEventListener('mouseleave', () => {
        line.classList.remove('hovered');
        hideTooltip();
      });
    });
    for (let row = first; row <= last; row += 1) {
      if (!visibleEvent(row)) continue;
      const event = model.events[row];
      const x = laneX(event.lane);
      const y = rowY(row);
      const mark =
        event.kind === 'leader-changed'
          ? element('text', { class: 'event leader-mark', x: x - 7, y: y + 5 })
          : event.kind === 'clock-adjusted'
            ? element('rect', {
                class: 'event clock-mark',
                x: x - 5,
                y: y - 5,
                width: 10,
                height: 10,
                transform: `rotate(45 ${x} ${y})`,
              })
            : element('circle', {
                class: `event kind-${event.kind}`,
                cx: x,
                cy: y,
                r: 4,
                fill: colorOf(event.algorithm),
              });
      if (event.kind === 'leader-changed') mark.textContent = '★';
      // A checker's verdict recorded into the run (the simulator's "✗ …" step) is written out, in red, beside its event.
      if (event.label.startsWith('✗')) {
        mark.setAttribute('fill', '#d62728');
        mark.setAttribute('r', '7');
        // Written towards the wider side, so that the text stays inside the diagram.
        const leftward = event.lane >= model.lanes.length / 2;
        const note = element('text', {
          class: 'violation-mark',
          x: leftward ? x - 10 : x + 10,
          y: y + 4,
          'text-anchor': leftward ? 'end' : 'start',
        });
        note.textContent = event.label.length > 90 ? `${event.label.slice(0, 89)}…` : event.label;
      }
      mark.setAttribute('data-row', String(row));
      mark.setAttribute('data-peer', String(event.peer));
      if (options.onSelect !== undefined) mark.addEventListener('click', () => options.onSelect!(row));
      if (row === selectedRow)
        element('circle', { class: 'selected-mark', cx: x, cy: y, r: 9, fill: 'none', 'pointer-events': 'none' });
      const text = `peer-${event.peer} #${event.sequence} ${event.kind}: ${event.label} | ${stamp(row)} | ${event.wallTime}`;
      mark.addEventListener('mouseenter', (mouse) =>
        showTooltip(text, (mouse as MouseEvent).pageX, (mouse as MouseEvent).pageY),
      );
      mark.addEventListener('mouseleave', hideTooltip);
    }
    const defs = element('defs', {});
    const marker = element(
      'marker',
      {
        id: 'head',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 6,
        markerHeight: 6,
        orient: 'auto-start-reverse',
      },
      defs,
    );
    element('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#444' }, marker);
  }

  const header = byId('lane-names');
  const drawLaneNames = () => {
    while (header.firstChild) header.removeChild(header.firstChild);
    model.lanes.forEach((lane, index) => {
      const name = document.createElement('span');
      name.className = 'lane-name';
      name.textContent = lane.name;
      name.style.left = `${laneX(index) - LANE_WIDTH / 2}px`;
      name.style.width = `${LANE_WIDTH}px`;
      header.appendChild(name);
    });
  };
  const filters = byId('filters');
  const filtered = new Set<string>();
  const checkbox = (group: string, value: string, text: string, onChange: (checked: boolean) => void) => {
    if (filtered.has(`${group}:${value}`)) return;
    filtered.add(`${group}:${value}`);
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = true;
    input.className = `filter-${group}`;
    input.value = value;
    input.addEventListener('change', () => {
      onChange(input.checked);
      render();
    });
    label.append(input, ` ${text}`);
    filters.appendChild(label);
  };
  const addFilters = () => {
    for (const algorithm of model.algorithms)
      checkbox('algorithm', algorithm, algorithm, (checked) =>
        checked ? hiddenAlgorithms.delete(algorithm) : hiddenAlgorithms.add(algorithm),
      );
    for (const lane of model.lanes)
      checkbox('peer', String(lane.peer), lane.name, (checked) =>
        checked ? hiddenPeers.delete(lane.peer) : hiddenPeers.add(lane.peer),
      );
  };
  drawLaneNames();
  addFilters();
  const zoom = byId('zoom') as HTMLInputElement;
  zoom.addEventListener('input', () => {
    const centerRow = (scroller.scrollTop + scroller.clientHeight / 2) / rowHeight;
    rowHeight = Number(zoom.value);
    scroller.scrollTop = centerRow * rowHeight - scroller.clientHeight / 2;
    render();
  });
  let pending = false;
  scroller.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (scroller.scrollTop !== renderedAt.top || scroller.clientHeight !== renderedAt.height) render();
    });
  });
  window.addEventListener('resize', render);
  render();
  return {
    refresh(next: DiagramModel) {
      const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - rowHeight * 2;
      const lanesChanged = next.lanes.map((lane) => lane.name).join() !== model.lanes.map((lane) => lane.name).join();
      model = next;
      (window as unknown as { distlabModel: DiagramModel }).distlabModel = model;
      if (lanesChanged) drawLaneNames();
      addFilters();
      // Following: the diagram grows first and is scrolled to its end, then drawn once, at the rows then in view.
      if (options.follow && atBottom && selectedRow === undefined) {
        svg.setAttribute('height', String(rowY(model.events.length) + 20));
        scroller.scrollTop = scroller.scrollHeight;
      }
      render();
    },
    select(row: number | undefined) {
      selectedRow = row;
      if (row !== undefined) {
        const y = rowY(row);
        if (y < scroller.scrollTop || y > scroller.scrollTop + scroller.clientHeight)
          scroller.scrollTop = y - scroller.clientHeight / 2;
      }
      render();
    },
  };
}
