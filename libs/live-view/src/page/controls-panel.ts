/// <reference lib="dom" />
import type { SystemView } from '../wire';
import { byId, make, runControl } from './page-dom';

/** A labelled input: the label names it for screen readers and for the tests. */
function field(label: string, attributes: Record<string, string>): { wrap: HTMLLabelElement; input: HTMLInputElement } {
  const input = make('input', '', attributes);
  const wrap = make('label', `${label} `);
  wrap.appendChild(input);
  return { wrap, input };
}

function group(title: string, ...children: HTMLElement[]): HTMLFieldSetElement {
  const set = make('fieldset');
  set.append(make('legend', title), ...children);
  return set;
}

function action(text: string, run: () => void): HTMLButtonElement {
  const made = make('button', text, { type: 'button' });
  made.addEventListener('click', run);
  return made;
}

/** "1,2 | 3,4,5" → [[1,2],[3,4,5]]: the page's way of writing a partition. */
export function parseGroups(text: string): number[][] {
  return text.split('|').map((part) =>
    part
      .split(',')
      .map((id) => Number(id.trim()))
      .filter((id) => id > 0),
  );
}

/**
 * The controls that act on the whole system (the per-peer ones sit in the system table): faults, the factorial
 * service, the inventory, the demos, and kill -9 / restart through the supervisor when there is one.
 */
export class ControlsPanel {
  private readonly demoSelect = make('select', '', { 'aria-label': 'demo' });
  private readonly processSelect = make('select', '', { 'aria-label': 'process' });
  private readonly processSet: HTMLFieldSetElement;
  private shown = '';

  constructor() {
    const root = byId('controls');
    const partition = field('Partition', { id: 'partition-groups', value: '1,2 | 3,4,5', size: '12' });
    const delay = field('Delay ms', {
      id: 'delay-ms',
      type: 'number',
      value: '200',
      min: '0',
      max: '60000',
      size: '5',
    });
    const drop = field('Drop p', {
      id: 'drop-probability',
      type: 'number',
      value: '0.2',
      min: '0',
      max: '1',
      step: '0.1',
      size: '4',
    });
    root.appendChild(
      group(
        'Faults between peers',
        partition.wrap,
        action('Partition', () => void runControl('partition', { groups: parseGroups(partition.input.value) })),
        make('br'),
        delay.wrap,
        action('Delay all', () => void runControl('delay', { ms: Number(delay.input.value) })),
        drop.wrap,
        action('Drop', () => void runControl('drop', { probability: Number(drop.input.value) })),
        action('Heal all', () => void runControl('heal', {})),
      ),
    );
    const n = field('n', { id: 'factorial-n', type: 'number', value: '20', min: '0', max: '100000', size: '6' });
    root.appendChild(
      group(
        'Factorial (through the balancer)',
        n.wrap,
        action('Compute', () => void runControl('factorial', { n: Number(n.input.value) })),
      ),
    );
    const name = field('Name', { id: 'inventory-name', value: 'widget', size: '8' });
    const quantity = field('Qty', { id: 'inventory-quantity', type: 'number', value: '5', size: '4' });
    const id = field('Id', { id: 'inventory-id', type: 'number', value: '1', min: '1', size: '3' });
    const delta = field('±', { id: 'inventory-delta', type: 'number', value: '-1', size: '4' });
    root.appendChild(
      group(
        'Inventory',
        name.wrap,
        quantity.wrap,
        action(
          'Add',
          () =>
            void runControl('inventory', {
              action: 'add',
              name: name.input.value,
              quantity: Number(quantity.input.value),
            }),
        ),
        action('List', () => void runControl('inventory', { action: 'list' })),
        make('br'),
        id.wrap,
        delta.wrap,
        action(
          'Adjust',
          () =>
            void runControl('inventory', {
              action: 'adjust',
              id: Number(id.input.value),
              delta: Number(delta.input.value),
            }),
        ),
        action('Delete', () => void runControl('inventory', { action: 'delete', id: Number(id.input.value) })),
      ),
    );
    root.appendChild(
      group(
        'Demo (PASS/FAIL from the checkers)',
        this.demoSelect,
        action('Run demo', () => void runControl('demo', { name: this.demoSelect.value })),
      ),
    );
    this.processSet = group(
      'Processes (supervisor)',
      this.processSelect,
      action('Kill -9', () => void runControl('kill', { name: this.processSelect.value })),
      action('Restart', () => void runControl('restart', { name: this.processSelect.value })),
    );
    root.appendChild(this.processSet);
  }

  update(view: SystemView): void {
    const key = JSON.stringify([view.demos, view.processNames]);
    if (key === this.shown) return;
    this.shown = key;
    const options = (select: HTMLSelectElement, names: string[]) =>
      select.replaceChildren(...names.map((entry) => make('option', entry, { value: entry })));
    options(this.demoSelect, view.demos.length > 0 ? view.demos : ['(demos need distlab up --ui)']);
    this.demoSelect.disabled = view.demos.length === 0;
    options(this.processSelect, view.processNames);
    this.processSet.hidden = !view.canControlProcesses;
  }
}
