// Pieces shared by the pages: status pills, JSON blocks, pagers, tables.
import { h, type Child } from './dom.js'
import { prettyJson, statusLabel } from './format.js'

export function statusPill(status: string): HTMLElement {
  return h('span', { class: `pill status-${status.toLowerCase()}` }, statusLabel(status))
}

/** A labelled, collapsible JSON block. */
export function jsonBlock(title: string, value: unknown, open = false): HTMLElement {
  return h(
    'details',
    { class: 'json', open },
    h('summary', {}, title),
    h('pre', { tabindex: 0 }, prettyJson(value)),
  )
}

/** A plain text block (causes can be long). */
export function textBlock(title: string, value: string | undefined): HTMLElement | null {
  if (value === undefined || value === '') return null
  return h(
    'div',
    { class: 'field' },
    h('h4', {}, title),
    h('pre', { class: 'text' }, prettyJson(value)),
  )
}

/** A table whose rows can be moved through with the arrow keys. */
export function table(
  caption: string,
  head: readonly string[],
  rows: readonly HTMLTableRowElement[],
): HTMLElement {
  const body = h('tbody', {}, rows)
  body.addEventListener('keydown', (event) => {
    const row = event.target instanceof Element ? event.target.closest('tr') : null
    if (!row || row.parentElement !== body) return
    let next: Element | null = null
    if (event.key === 'ArrowDown') next = row.nextElementSibling
    else if (event.key === 'ArrowUp') next = row.previousElementSibling
    else if (event.key === 'Home') next = body.firstElementChild
    else if (event.key === 'End') next = body.lastElementChild
    else return
    while (
      next instanceof HTMLTableRowElement &&
      next.tabIndex < 0 &&
      next !== body.lastElementChild
    ) {
      next = event.key === 'ArrowUp' ? next.previousElementSibling : next.nextElementSibling
    }
    if (next instanceof HTMLTableRowElement) {
      event.preventDefault()
      next.focus()
    }
  })
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
  )
}

/** A focusable row (arrow keys move between rows; Enter follows its first link). */
export function row(
  cells: readonly Child[],
  props: Record<string, string> = {},
): HTMLTableRowElement {
  const tr = h(
    'tr',
    { tabindex: 0, ...props },
    cells.map((c) => h('td', {}, c)),
  )
  tr.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.target !== tr) return
    const a = tr.querySelector('a, button')
    if (a instanceof HTMLElement) a.click()
  })
  return tr
}

/**
 * Previous/next buttons over token pages: `tokens` is the stack of tokens of the pages before
 * the current one.
 */
export function pager(
  label: string,
  state: { page: number; nextToken: string | undefined },
  go: (direction: -1 | 1) => void,
): HTMLElement {
  return h(
    'nav',
    { class: 'pager', 'aria-label': label },
    h(
      'button',
      { type: 'button', disabled: state.page === 0, onclick: () => go(-1) },
      '← Previous',
    ),
    h('span', { class: 'muted' }, `Page ${state.page + 1}`),
    h(
      'button',
      { type: 'button', disabled: state.nextToken === undefined, onclick: () => go(1) },
      'Next →',
    ),
  )
}

/** Token pages: remembers the token of each page seen, so Previous works. */
export class TokenPages {
  private readonly tokens: (string | undefined)[] = [undefined]
  page = 0
  nextToken: string | undefined

  get token(): string | undefined {
    return this.tokens[this.page]
  }

  reset(): void {
    this.tokens.length = 1
    this.page = 0
    this.nextToken = undefined
  }

  move(direction: -1 | 1): void {
    if (direction === 1 && this.nextToken !== undefined) {
      this.tokens[this.page + 1] = this.nextToken
      this.page++
    } else if (direction === -1 && this.page > 0) this.page--
  }
}
