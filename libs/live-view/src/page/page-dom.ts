/// <reference lib="dom" />
import type { ControlResult } from '../wire';

/** document.getElementById that insists: the page's HTML holds every id the script uses. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** Makes an element with text and attributes. */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (text !== '') made.textContent = text;
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  return made;
}

/**
 * Sets an element's text (or an attribute) only when it differs: writing the same text again still replaces the text
 * node, and the browser lays out and paints it again. The system table is updated several times a second while most of
 * its cells stay as they were.
 */
export function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function setAttribute(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

export function setClass(element: HTMLElement, className: string): void {
  if (element.className !== className) element.className = className;
}

/** A button whose accessible name says what it acts on ("Pause peer-3"), not only what it does. */
export function button(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const made = make('button', text, { type: 'button', 'aria-label': label });
  made.addEventListener('click', onClick);
  return made;
}

/**
 * Runs a control on the bridge and shows its answer in the result area: ✓ or ✗ first, so the outcome does not rest
 * on colour alone.
 */
export async function runControl(name: string, input: Record<string, unknown>): Promise<ControlResult> {
  const result = byId('result');
  result.textContent = `${name}…`;
  result.classList.remove('failed');
  let answer: ControlResult;
  try {
    const response = await fetch(`/api/control/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    answer = (await response.json()) as ControlResult;
  } catch (error) {
    answer = { ok: false, lines: [`the view did not answer: ${(error as Error).message}`] };
  }
  result.textContent = `${answer.ok ? '✓' : '✗'} ${answer.lines.join('\n')}`;
  result.classList.toggle('failed', !answer.ok);
  return answer;
}
